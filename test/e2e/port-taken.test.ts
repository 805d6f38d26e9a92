import { spawn, spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'fs';
import { createServer, type Server } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { REHEARSAL_NODE_FLAGS } from '../../devhost/heap';
import { until } from './liveWindow';

/**
 * A rehearsal whose listen finds its port taken starts again in a new process (the local host is
 * one per process). The host's port here is fixed and held, so every start finds it taken: three
 * starts, then the port's own error, never a second host refused in the first process.
 */

// A hang guard, not a timing check: three host starts on a busy machine.
jest.setTimeout(10 * 60_000);

let held: Server;
let port: number;

beforeAll(async () => {
  held = createServer();
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
  port = (held.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => held.close(() => resolve())));

test('a taken port starts the rehearsal again in a new process, three starts in all, and then says which port', () => {
  const script = join(__dirname, '../../dist/devhost/rehearse.js');
  const dir = join(mkdtempSync(join(tmpdir(), 'mw-port-taken-')), 'rehearsal');
  const run = spawnSync(process.execPath, [...REHEARSAL_NODE_FLAGS, script, join(__dirname, '../../windows/2025-06-22-monthly.yaml'), '--quiet', '--port', String(port), '--base-port', '0', '--dir', dir], { encoding: 'utf8' });
  const out = `${run.stdout}${run.stderr}`;
  expect(out).not.toContain('already provided by another registry');
  expect(out.match(/starting again on freshly picked ports/g)).toHaveLength(2);
  expect(out).toContain(`rehearse: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
  expect(run.status).toBe(2);
});

/** Processes whose command line names `text` (the rehearsal's folder: the rehearsal and its Azurite). */
function processesNaming(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

test('a rehearsal started again stops with its caller: a SIGTERM to the first process stops the new one, its host and its Azurite', async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const hostPort = (holder.address() as { port: number }).port;
  const dir = join(mkdtempSync(join(tmpdir(), 'mw-port-again-')), 'rehearsal');
  const script = join(__dirname, '../../dist/devhost/rehearse.js');
  const first = spawn(process.execPath, [...REHEARSAL_NODE_FLAGS, script, join(__dirname, '../fixtures/windows/e2e-mini.yaml'), '--serve', '--quiet', '--port', String(hostPort), '--base-port', '0', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  first.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  first.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
  try {
    await until('the first start to give up its port', async () => /starting again on freshly picked ports/.test(out) || first.exitCode !== null || undefined);
    // Freed for the next start, which takes the same port.
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    await until('the new start to serve', async () => new RegExp(`^host http://127\\.0\\.0\\.1:${hostPort}`, 'm').test(out) || first.exitCode !== null || undefined);
    expect(first.exitCode).toBeNull();
    expect(processesNaming(dir).length).toBeGreaterThanOrEqual(2);
    first.kill('SIGTERM');
    expect(await exited).toBe(143);
    await until('every process of the rehearsal to end', async () => processesNaming(dir).length === 0 || undefined);
  } finally {
    for (const pid of processesNaming(dir)) process.kill(pid, 'SIGKILL');
    if (first.exitCode === null) first.kill('SIGKILL');
  }
  expect(out).not.toContain('already provided by another registry');
});

