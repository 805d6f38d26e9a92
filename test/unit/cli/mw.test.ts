import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/** The CLI as a person runs it: the compiled entry point, exit codes and output lines. */

const root = join(__dirname, '../../..');
const MW = join(root, 'dist/cli/mw.js');
const BASE = readFileSync(join(root, 'test/fixtures/windows/base.yaml'), 'utf8');

function mw(...args: string[]) {
  if (!existsSync(MW)) throw new Error('dist/cli/mw.js is missing: run `npm run build` first (npm test does)');
  const run = spawnSync(process.execPath, [MW, ...args], { cwd: root, encoding: 'utf8' });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('mw validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-cli-'));
  const good = join(dir, 'good.yaml');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(good, BASE);
  writeFileSync(bad, BASE.replace('    batchSize: 2', '    batchSize: 3').replace('onTimeout: reject', 'onTimout: reject'));

  it('exits 0 and says ok for a valid window', () => {
    const run = mw('validate', good);
    expect(run.code).toBe(0);
    expect(run.out).toBe(`${good}: ok\n`);
  });

  it('exits 1 and prints file:line:column  field.path  reason for each problem, without a stack', () => {
    const run = mw('validate', good, bad);
    expect(run.code).toBe(1);
    const lines = run.out.trim().split('\n');
    expect(lines[0]).toBe(`${good}: ok`);
    const problems = lines.slice(1);
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+  phases\\[1\\]\\.steps\\[0\\]\\.onTimeout  required field is missing`)),
      expect.stringMatching(/:\d+:\d+ {2}phases\[1\]\.steps\[0\]\.onTimout {2}unknown field "onTimout" \(did you mean "onTimeout"\?\)/),
    ]);
    expect(run.err).toBe('1 of 2 file(s) have problems\n');
    expect(run.out + run.err).not.toMatch(/\n\s+at /);
  });

  it('names the file and field of an impossible date and goes on checking the other files', () => {
    const date = join(dir, 'date.yaml');
    writeFileSync(date, BASE.replace('date: 2025-06-22', 'date: 2025-02-30'));
    const run = mw('validate', date, good);
    expect(run.code).toBe(1);
    expect(run.out).toBe(`${date}:7:7  date  2025-02-30 is not a calendar date: February 2025 has 28 days\n${good}: ok\n`);
    expect(run.err).toBe('1 of 2 file(s) have problems\n');
  });

  it('reports a missing file as a problem, not a crash', () => {
    const run = mw('validate', join(dir, 'nope.yaml'));
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/nope\.yaml:1:1 {2}\(file\) {2}file not found/);
  });

  it('exits 2 on a usage error', () => {
    const run = mw('validate');
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/missing required argument/);
  });
});
