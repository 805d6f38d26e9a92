/**
 * Shutdown of a host that started its own Azurite: it ends, and so does that Azurite, when
 * the host is signalled alone, when the whole process group is (`timeout`, Ctrl-C: Azurite
 * goes first and the last journal records can never be written), and when the host is
 * killed outright.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { azuriteConnectionString, freePort, isListening } from '../../../devhost/azurite';
import { CONFORMANCE_APP, uniqueHub } from '../../support/devhostProcess';

const MAIN = path.resolve(__dirname, '..', '..', '..', 'dist', 'devhost', 'main.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'devhost-shutdown-'));

const groups: number[] = [];

afterAll(() => {
  // Whatever a failed test left behind (a hung host, a stray Azurite) goes with its group.
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  rmSync(work, { recursive: true, force: true });
});

/** A host in its own process group, with an Azurite of its own on a free port. */
async function hostWithAzurite(): Promise<{ child: ChildProcess; blobPort: number; exited: Promise<void> }> {
  const blobPort = await freePort();
  const hub = uniqueHub('shutdown');
  const args = [MAIN, '--app', CONFORMANCE_APP, '--port', '0', '--task-hub', hub, '--quiet', '--log-file', path.join(work, `${hub}.log`)];
  args.push('--connection', azuriteConnectionString({ blob: blobPort, queue: blobPort + 1, table: blobPort + 2 }), '--azurite-location', path.join(work, hub));
  const child = spawn(process.execPath, args, { cwd: CONFORMANCE_APP, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  groups.push(child.pid!);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"listening"')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`devhost exited with ${String(code)} before listening`)));
  });
  expect(await isListening(blobPort)).toBe(true);
  return { child, blobPort, exited };
}

/** Resolves once nothing accepts connections on the port any more. */
async function portClosed(port: number): Promise<void> {
  while (await isListening(port)) await new Promise((r) => setTimeout(r, 100));
}

test('SIGTERM to the host alone stops it and its Azurite', async () => {
  const { child, blobPort, exited } = await hostWithAzurite();
  child.kill('SIGTERM');
  await exited;
  expect(child.exitCode).toBe(0);
  await portClosed(blobPort);
});

test('SIGTERM to the whole process group (Azurite dies first) still lets the host end', async () => {
  const { child, blobPort, exited } = await hostWithAzurite();
  process.kill(-child.pid!, 'SIGTERM');
  await exited;
  expect(child.exitCode).toBe(0);
  await portClosed(blobPort);
});

test('an Azurite the host started ends when the host is killed outright', async () => {
  const { child, blobPort, exited } = await hostWithAzurite();
  child.kill('SIGKILL');
  await exited;
  await portClosed(blobPort);
});
