import { spawnSync } from 'child_process';
import { mkdtempSync } from 'fs';
import { createServer, type Server } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { REHEARSAL_NODE_FLAGS } from '../../devhost/heap';

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
