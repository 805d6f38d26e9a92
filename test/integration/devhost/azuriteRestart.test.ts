/**
 * An Azurite the host started that dies (a chaos run's SIGKILL) is started again by the host on
 * the same ports and folder, and the clock, held meanwhile, is released once it is back.
 */
import { spawn, type ChildProcess } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { azuriteConnectionString, isListening } from '../../../devhost/azurite';
import { CONFORMANCE_APP, uniqueHub } from '../../support/devhostProcess';

jest.setTimeout(5 * 60_000);

const MAIN = join(__dirname, '../../../dist/devhost/main.js');
const dir = mkdtempSync(join(tmpdir(), 'mw-azurite-restart-'));
let host: ChildProcess | undefined;

afterAll(async () => {
  if (host && host.exitCode === null) {
    const exited = new Promise((r) => host!.once('exit', r));
    host.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

const children = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
const until = async (what: string, probe: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 1200; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
};

async function freeBlock(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    if (!(await isListening(base)) && !(await isListening(base + 1)) && !(await isListening(base + 2))) return base;
  }
  throw new Error('no free ports');
}

test('a killed Azurite comes back on its ports and the clock is released', async () => {
  if (!existsSync(MAIN)) throw new Error('dist/devhost/main.js is missing: run `npm run build` first (npm test does)');
  const blob = await freeBlock();
  const log = join(dir, 'host.log');
  const args = [MAIN, '--app', CONFORMANCE_APP, '--port', '0', '--task-hub', uniqueHub('azrestart'), '--log-file', log, '--quiet', '--connection', azuriteConnectionString({ blob, queue: blob + 1, table: blob + 2 }), '--azurite-location', join(dir, 'azurite')];
  const child = spawn(process.execPath, args, { cwd: CONFORMANCE_APP, stdio: ['ignore', 'pipe', 'pipe'] });
  host = child;
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  await until('the host to listen', () => out.includes('"listening"'));
  const url = (JSON.parse(out.split('\n').find((l) => l.includes('"listening"'))!) as { url: string }).url;

  const [azurite] = children(child.pid!);
  expect(azurite).toBeDefined();
  process.kill(azurite!, 'SIGKILL');
  await until('Azurite to be back', () => existsSync(log) && readFileSync(log, 'utf8').includes('Azurite is back'));
  expect(readFileSync(log, 'utf8')).toContain('Azurite ended (SIGKILL)');
  expect(await isListening(blob)).toBe(true);
  expect(children(child.pid!)).not.toContain(azurite);
  const clock = (await fetch(`${url}/admin/devhost/clock`).then((r) => r.json())) as { holds: unknown[] };
  expect(clock.holds).toEqual([]);
});
