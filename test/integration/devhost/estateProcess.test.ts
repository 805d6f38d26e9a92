import { mkdtempSync, rmSync } from 'fs';
import { createServer, type Server } from 'http';
import { request as httpsRequest } from 'https';
import { tmpdir } from 'os';
import { join } from 'path';
import { isListening } from '../../../devhost/azurite';
import { startEstateProcess, type EstateProcess } from '../../../devhost/estateProcess';
import { LISTENER_NAMES } from '../../../sandbox/core/ports';

/**
 * The estate in a process of its own (`npm start -- --estate-process`): it reads the host's
 * clock before every request, and when it is SIGKILLed it is started again on the same ports
 * and state, keeping what it acknowledged, with the clock held (onDown) until it listens.
 */

jest.setTimeout(5 * 60_000);

const root = join(__dirname, '../../..');
const START = Date.parse('2025-06-22T08:00:00.000Z');

let clockServer: Server;
let clockMs = START;
let clockUp = false;
let estate: EstateProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'mw-estate-proc-'));

async function freeBlock(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    let free = true;
    for (let i = 0; i < count && free; i++) free = !(await isListening(base + i));
    if (free) return base;
  }
  throw new Error('no free ports');
}

/** What the test reads of GET /_sandbox/state. */
interface Snapshot {
  sandbox: { nowMs: number };
  slack: { interactivityUrl: string | null };
}

function control(method: string, route: string, body?: unknown): Promise<{ status: number; body: Snapshot }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(new URL(route, estate!.urls.control), { method, ca: estate!.caPem, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : {}) as Snapshot }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

beforeAll(async () => {
  clockServer = createServer((req, res) => {
    if (!clockUp) return void res.destroy();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ nowMs: clockMs, now: new Date(clockMs).toISOString(), speed: 0 }));
  });
  await new Promise<void>((r) => clockServer.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await estate?.stop();
  await new Promise((r) => clockServer.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('the estate as a child process', () => {
  it('follows the host clock per request, and a SIGKILL loses nothing it acknowledged', async () => {
    const port = (clockServer.address() as { port: number }).port;
    const events: string[] = [];
    estate = await startEstateProcess({
      basePort: await freeBlock(LISTENER_NAMES.length),
      estateFile: join(root, 'sandbox/estate/default.yaml'),
      stateDir: join(dir, 'sandbox'),
      clockUrl: `http://127.0.0.1:${port}/admin/devhost/clock`,
      startMs: START,
      fresh: true,
      now: () => clockMs,
      onDown: () => {
        events.push('down');
        return () => events.push('released');
      },
    });
    // Until the host answers, the estate reads the start time.
    expect((await control('GET', '/_sandbox/state')).body.sandbox.nowMs).toBe(START);
    clockUp = true;
    clockMs = START + 90 * 60_000;
    expect((await control('GET', '/_sandbox/state')).body.sandbox.nowMs).toBe(START + 90 * 60_000);

    const url = 'http://127.0.0.1:9/api/slack/interactions';
    expect((await control('PUT', '/_sandbox/slack/interactivity', { url })).status).toBe(200);
    const first = estate.pid()!;
    process.kill(first, 'SIGKILL');
    for (let i = 0; i < 1200 && !events.includes('released'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(events).toEqual(['down', 'released']);
    expect(estate.restarts()).toBe(1);
    expect(estate.pid()).not.toBe(first);
    // Same ports, same state: what it acknowledged before the kill is there.
    const after = (await control('GET', '/_sandbox/state')).body;
    expect(after.slack.interactivityUrl).toBe(url);
    expect(after.sandbox.nowMs).toBe(START + 90 * 60_000);
  });
});
