import { type ChildProcess, spawn } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { poolsAtEndAndStart, type Report } from './harness';
import { REHEARSAL_NODE_FLAGS } from '../../devhost/heap';

/**
 * `npm start -- --resume`: a rehearsal whose whole process group is killed (SIGKILL, three
 * times, at different points) continues from its folder (task hub, estate, keys) and ends as an
 * uninterrupted one does: succeeded, every pool whole, the page down, each secret rotated
 * exactly once, and the folder gone.
 */

jest.setTimeout(15 * 60_000);

const root = join(__dirname, '../..');
const WINDOW = join(root, 'windows/2025-06-22-monthly.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'mw-resume-'));
const dir = join(tmp, 'rehearsal');
const reportFile = join(tmp, 'report.json');

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null || !c.pid) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  rmSync(tmp, { recursive: true, force: true });
});

/** Starts `npm start`'s process in its own process group and collects what it prints. */
function start(args: string[]): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [...REHEARSAL_NODE_FLAGS, join(root, 'dist/devhost/rehearse.js'), WINDOW, '--dir', dir, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, output: () => out, exit };
}

/** Kills the whole process group once the progress line says at least `steps` steps are done. */
async function killWhenDone(run: ReturnType<typeof start>, steps: number): Promise<void> {
  for (let i = 0; i < 6000; i++) {
    const done = [...run.output().matchAll(/done (\d+)\//g)].map((m) => Number(m[1]));
    if (done.some((n) => n >= steps)) {
      process.kill(-run.child.pid!, 'SIGKILL');
      await run.exit;
      return;
    }
    if (run.child.exitCode !== null) throw new Error(`the rehearsal ended before ${steps} steps were done:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${steps} steps:\n${run.output()}`);
}

let report: Report;
let final: string;

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/devhost/rehearse.js'))) throw new Error('dist/devhost/rehearse.js is missing: run `npm run build` first (npm test does)');
  const storage = process.env.DEVHOST_TEST_STORAGE ? ['--storage', process.env.DEVHOST_TEST_STORAGE] : [];
  // Ports picked at the start and kept by the resume (in-flight operations poll the estate where it was).
  const ports = ['--port', '0', '--base-port', '0'];
  await killWhenDone(start([...ports, ...storage]), 4);
  // Killed: nothing ran on, the folder holds the rehearsal, and a fresh start refuses to trample it.
  expect(existsSync(join(dir, 'rehearsal.json'))).toBe(true);
  const refused = start([...ports, ...storage, '--quiet']);
  expect(await refused.exit).toBe(2);
  expect(refused.output()).toMatch(/an unfinished rehearsal of 2025-06-22-monthly is in .*--resume/);
  await killWhenDone(start(['--resume']), 12);
  await killWhenDone(start(['--resume']), 24);
  const last = start(['--resume', '--report', reportFile]);
  const code = await last.exit;
  final = last.output();
  if (!existsSync(reportFile)) throw new Error(`the resumed rehearsal wrote no report (exit ${code}):\n${final}`);
  report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
  report.exitCode = code;
});

it('resumes where it was killed and finishes the window', () => {
  expect(final).toMatch(/resuming 2025-06-22-monthly from /);
  expect(report.exitCode).toBe(0);
  expect(report.status.state).toBe('succeeded');
  expect(report.status.steps.filter((s) => !['done', 'not-doing'].includes(s.state)).map((s) => `${s.id}=${s.state}`)).toEqual([]);
});

it('leaves the estate as an uninterrupted run does: pools whole, alerts on, the page down, nothing still changed', () => {
  const pools = poolsAtEndAndStart(report);
  expect(pools.end).toEqual(pools.start);
  expect(report.estate.arm.alertProcessingRules).toEqual({});
  expect(report.status.stillChanged).toEqual([]);
  expect(Object.values(report.status.maintenancePages)).toEqual(['down']);
  const vms = report.estate.arm.virtualMachines as Record<string, { patchHistory: { status: string }[] }>;
  expect(Object.entries(vms).filter(([name]) => /^IC-Web\d+$/.test(name)).map(([, vm]) => vm.patchHistory.map((h) => h.status))).toEqual(Array(10).fill(['Succeeded']));
});

it('rotates each secret exactly once across the kills', () => {
  const secrets = report.estate.keyvault.secrets as Record<string, { versions: { tags: Record<string, string> }[] }>;
  expect(secrets['Mailgun-ApiKey']!.versions.filter((v) => v.tags.mwRotation)).toHaveLength(1);
  expect(secrets['MyIIS-MachineKey']!.versions.filter((v) => v.tags.mwRotation)).toHaveLength(1);
  expect(report.estate.mailgun.deleted as unknown[]).toHaveLength(1);
});

it('posts the finish message once', () => {
  const channels = report.estate.slack.channels as { name: string; messages: { text: string }[] }[];
  const finished = channels.flatMap((c) => c.messages.filter((m) => m.text.includes('2025-06-22 Monthly succeeded')).map(() => c.name));
  expect(finished.length).toBeGreaterThan(0);
  expect(new Set(finished).size).toBe(finished.length);
});

it('removes the rehearsal folder once the window is over', () => {
  expect(existsSync(dir)).toBe(false);
});
