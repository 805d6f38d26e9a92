import { execFile } from 'child_process';
import { existsSync } from 'fs';
import { createServer, type IncomingMessage, type Server } from 'http';
import type { AddressInfo } from 'net';
import { join } from 'path';
import type { WindowStatusView } from '../../../shared/api/windows';
import { midWindow } from '../../fixtures/status/midWindow';

/**
 * `mw watch`, `mw canary answer` and `mw report` as a person runs them (the compiled entry
 * point, output piped, so watch is in plain mode) against a stand-in for the window API that
 * records what it was asked.
 */

const root = join(__dirname, '../../..');
const MW = join(root, 'dist/cli/mw.js');

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let url: string;
const seen: Seen[] = [];
let answer: (req: Seen) => { status: number; type?: string; body: string } = () => ({ status: 404, body: '{}' });

function mw(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!existsSync(MW)) throw new Error('dist/cli/mw.js is missing: run `npm run build` first (npm test does)');
  return new Promise((resolve) => {
    execFile(process.execPath, [MW, ...args, '--url', url, '--key', 'k3y', '--as', 'ravi-iyer'], { cwd: root, env: { ...process.env, MW_API_URL: '', MW_USER: '' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(s);
      const out = answer(s);
      res.writeHead(out.status, { 'content-type': out.type ?? 'application/json' });
      res.end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
});

describe('mw canary answer', () => {
  it('posts the team\'s answer with the note, as the caller', async () => {
    answer = () => ({ status: 202, body: JSON.stringify({ windowId: 'w', step: 'canary', team: 'payments', ok: false }) });
    const r = await mw('canary', 'answer', '2025-09-08-canary', 'canary-web11', '--team', 'payments', '--not-ok', '-m', 'errors on pay');
    expect(r).toMatchObject({ code: 0, stdout: 'canary-web11: payments answered NOT OK\n' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/windows/2025-09-08-canary/canary/canary-web11/answers' });
    expect(JSON.parse(seen[0]!.body)).toEqual({ team: 'payments', ok: false, note: 'errors on pay' });
    expect(seen[0]!.headers).toMatchObject({ 'x-functions-key': 'k3y', 'x-mw-user': 'ravi-iyer' });
  });

  it('wants exactly one of --ok and --not-ok, and says the API\'s refusal', async () => {
    const neither = await mw('canary', 'answer', 'w', 'c', '--team', 'payments');
    expect(neither).toMatchObject({ code: 1, stderr: 'mw: say --ok or --not-ok (one of them)\n' });
    expect(seen).toHaveLength(0);
    answer = () => ({ status: 403, body: JSON.stringify({ error: { code: 'NotOnTeam', message: 'ravi-iyer does not answer for billing' } }) });
    const refused = await mw('canary', 'answer', 'w', 'c', '--team', 'billing', '--ok');
    expect(refused).toMatchObject({ code: 1, stderr: 'mw: 403 NotOnTeam: ravi-iyer does not answer for billing\n' });
  });
});

describe('mw report', () => {
  it('prints the last run\'s Markdown report, or a given run\'s HTML', async () => {
    answer = (s) => ({ status: 200, type: s.url.endsWith('.md') ? 'text/markdown' : 'text/html', body: s.url.endsWith('.md') ? '# 2025-06-22 Monthly: succeeded\n' : '<!doctype html><p>report</p>' });
    const md = await mw('report', '2025-06-22-monthly');
    expect(md).toMatchObject({ code: 0, stdout: '# 2025-06-22 Monthly: succeeded\n' });
    const html = await mw('report', '2025-06-22-monthly', '--run', '20250621223000', '--html');
    expect(html).toMatchObject({ code: 0, stdout: '<!doctype html><p>report</p>\n' });
    expect(seen.map((s) => s.url)).toEqual(['/api/windows/2025-06-22-monthly/runs/latest/report.md', '/api/windows/2025-06-22-monthly/runs/20250621223000/report.html']);
  });

  it('says when there is no report', async () => {
    answer = () => ({ status: 404, body: JSON.stringify({ error: { code: 'ReportNotFound', message: 'window "w" has no report for run 20250101000000' } }) });
    expect(await mw('report', 'w', '--run', '20250101000000')).toMatchObject({ code: 1, stderr: 'mw: 404 ReportNotFound: window "w" has no report for run 20250101000000\n' });
  });
});

describe('mw watch, piped (plain mode)', () => {
  it('prints a line when something changes, not on every look, and ends with the window', async () => {
    const later: WindowStatusView = { ...midWindow, details: { ...midWindow.details!, now: '2025-06-22T10:31:00.000Z' } };
    const ended: WindowStatusView = { ...midWindow, state: 'succeeded', finishedAt: '2025-06-22T16:09:00.000Z', counts: { done: 6, 'not-doing': 2 }, steps: midWindow.steps.map((s) => ({ ...s, state: s.state === 'not-doing' ? s.state : 'done' })), details: { ...midWindow.details!, serverGroups: [] } };
    const views = [midWindow, later, ended];
    answer = () => ({ status: 200, body: JSON.stringify(views.shift() ?? ended) });
    const r = await mw('watch', '2025-06-22-monthly', '--interval', '1');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      '[Sun 06:30 EDT | 16:00 IST] running · done 3/8 · doing web-batch-2, pipeline-approval (waiting for approval) · 3 in flight · ETA Sun 12:09 EDT | 21:39 IST (40m behind plan)',
      '[Sun 06:30 EDT | 16:00 IST] succeeded · done 6/8 · ended Sun 12:09 EDT | 21:39 IST (40m behind plan)',
    ]);
    expect(seen).toHaveLength(3);
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('exits 1 when the window it watched failed or was aborted', async () => {
    answer = () => ({ status: 200, body: JSON.stringify({ ...midWindow, state: 'aborted' }) });
    const r = await mw('watch', 'w');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^\[.*\] aborted · /);
  });
});
