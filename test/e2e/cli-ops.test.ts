import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { startLiveWindow, until, type LiveWindow } from './liveWindow';

/**
 * The on-call commands against a live window: a rehearsal kept running at real speed
 * (`--serve --speed 1`) whose approval gate nobody answers, so the window waits while
 * `mw status`, `mw approve`, `mw reject` and `mw abort` talk to the real API.
 */

// A hang guard, not a timing check: a busy machine is slow, not wrong.
jest.setTimeout(15 * 60_000);

const root = join(__dirname, '../..');
let live: LiveWindow;
let windowId: string;
let hostUrl: string;
let masterKey: string;
let dir: string;
const mw = (...args: string[]) => live.mw(...args);
const glance = () => live.glance();

beforeAll(async () => {
  if (!existsSync(join(root, 'dist/cli/mw.js'))) throw new Error('dist/cli/mw.js is missing: run `npm run build` first (npm test does)');
  live = await startLiveWindow();
  ({ windowId, hostUrl, masterKey, dir } = live);
});

afterAll(async () => {
  await live?.stop();
});

describe('mw on-call commands against a running window', () => {
  it('lists the window and shows where it stands, with who must approve', async () => {
    const list = await mw('windows');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^e2e-mini\s+running\s+started /m);
    const status = await mw('status', windowId);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/: RUNNING\n/);
    expect(status.stdout).toMatch(/needs approval\s+go-ahead: 1 of release-manager \(dana-whitfield, marcus-lee\) and 1 of platform-approver \(priya-raman, tom-okafor\)/);
  });

  it('records an approval, and refuses the starter and an unknown gate with the reason and exit code 1', async () => {
    const ok = await mw('approve', windowId, 'go-ahead', '--as', 'marcus-lee', '-m', 'pipelines look right');
    expect(ok).toMatchObject({ code: 0, stdout: 'go-ahead: approval by marcus-lee recorded\n' });
    const starter = await mw('approve', windowId, 'go-ahead', '--as', 'rehearsal-runner');
    expect(starter.code).toBe(1);
    expect(starter.stderr).toMatch(/^mw: 403 (FourEyes|NotAnApprover): /);
    const unknown = await mw('reject', windowId, 'no-such-gate', '--as', 'dana-whitfield');
    expect(unknown).toMatchObject({ code: 1, stderr: 'mw: 404 GateNotFound: window "e2e-mini" has no approval gate "no-such-gate"\n' });
    // The approval shows up in the record, counted, by the person who gave it.
    const events = await until('the decision in the record', async () => {
      const view = JSON.parse((await mw('status', windowId, '--json')).stdout) as { events: { type: string; data: { by: string; counted: boolean; comment?: string } }[] };
      const found = view.events.filter((e) => e.type === 'approval');
      return found.length > 0 ? found : undefined;
    });
    expect(events.map((e) => e.data)).toEqual([expect.objectContaining({ by: 'marcus-lee', counted: true, comment: 'pipelines look right' })]);
  });

  it('refuses every state-changing route to someone the window does not name, and nothing changes', async () => {
    const before = await glance();
    const as = (who: string, method: string, route: string, body?: unknown) =>
      fetch(`${hostUrl}/api/${route}`, { method, headers: { 'x-functions-key': masterKey, 'x-mw-user': who, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) }).then(async (r) => ({ status: r.status, body: await r.text() }));
    const refused = [
      await as('mallory', 'POST', `windows/${windowId}/maintenance-page/public`, { action: 'up', reason: 'probe' }),
      await as('mallory', 'POST', `windows/${windowId}/abort`, { reason: 'probe' }),
      await as('mallory', 'POST', `windows/${windowId}/start`, {}),
      await as('mallory', 'POST', `windows/${windowId}/approvals/go-ahead`, { decision: 'approve' }),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403]);
    // Nobody named at all: 401.
    expect((await fetch(`${hostUrl}/api/windows/${windowId}/abort`, { method: 'POST', headers: { 'x-functions-key': masterKey, 'content-type': 'application/json' }, body: '{"reason":"x"}' })).status).toBe(401);
    const after = await glance();
    expect(after).toEqual(before);
  });

  it('aborts, and the status then says stopped with nothing left changed', async () => {
    const noReason = await mw('abort', windowId);
    expect(noReason.code).not.toBe(0);
    expect(noReason.stderr).toMatch(/required option '-r, --reason <text>'/);
    const abort = await mw('abort', windowId, '-r', 'cli test');
    expect(abort.code).toBe(0);
    const final = await until('the abort to finish', async () => {
      const r = await mw('status', windowId);
      return /: ABORTED\n/.test(r.stdout) ? r.stdout : undefined;
    });
    expect(final).toMatch(/STOPPED: .*cli test/);
    expect(final).toMatch(/nothing left changed$/m);
  });

  it('publishes a changed window (platform engineers only), and the next run uses the new revision', async () => {
    const changed = readFileSync(join(root, 'test/fixtures/windows/e2e-mini.yaml'), 'utf8').replace(/^title: .*$/m, 'title: E2E mini, republished');
    const file = join(dir, 'e2e-mini.yaml');
    writeFileSync(file, changed);
    const refused = await mw('publish', file, '--as', 'mallory');
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/^mw: 403 Forbidden: mallory may not publish windows/) });
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, changed.replace(/^timeZone: .*$/m, 'timeZone: Mars/Olympus'));
    expect((await mw('publish', broken, '--as', 'rehearsal-runner')).code).toBe(1);
    const published = await mw('publish', file, '--as', 'rehearsal-runner', '--json');
    expect(published.code).toBe(0);
    const { revision } = JSON.parse(published.stdout) as { revision: string };
    const before = JSON.parse((await mw('status', windowId, '--json')).stdout) as { revision: string; latestRevision: { revision: string; publishedBy: string } };
    // The aborted run keeps the revision it ran; the status says a newer one waits.
    expect(before.revision).not.toBe(revision);
    expect(before.latestRevision).toMatchObject({ revision, publishedBy: 'rehearsal-runner' });
    const start = await fetch(`${hostUrl}/api/windows/${windowId}/start`, { method: 'POST', headers: { 'x-functions-key': masterKey, 'x-mw-user': 'rehearsal-runner', 'content-type': 'application/json' }, body: '{"mode":"rehearsal"}' });
    expect(start.status).toBe(202);
    const view = await until('the new run', async () => {
      const v = JSON.parse((await mw('status', windowId, '--json')).stdout) as { revision?: string; title: string; state: string };
      return v.revision === revision ? v : undefined;
    });
    expect(view.title).toBe('E2E mini, republished');
    expect((await mw('abort', windowId, '-r', 'publish test')).code).toBe(0);
  });

  it('says so when the app cannot be reached (exit 2)', async () => {
    const r = await mw('status', windowId, '--url', 'http://127.0.0.1:9');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mw: cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});
