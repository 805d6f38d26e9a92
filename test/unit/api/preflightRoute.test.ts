import { statusPage } from '../../../shared/api/pageRoute';
import { preflightRoute } from '../../../shared/api/preflightRoute';
import type { PreflightReport } from '../../../shared/preflight';
import { clientPrincipal, fakeDeps, request } from './fakes';

/** POST /api/windows/{id}/preflight: platform engineers only; the report as JSON, errors and all. */

const REPORT: PreflightReport = {
  windowId: 'w1',
  title: 'W1',
  timeZone: 'America/New_York',
  displayZones: ['Asia/Kolkata'],
  ranAtMs: Date.parse('2025-06-21T13:00:00Z'),
  checked: { credentials: 1, resources: 0, permissions: 0, pools: 0, page: 0, chat: 1, pipelines: 0, secrets: 0 },
  findings: [{ severity: 'error', check: 'chat', field: 'notifications.channels[0]', message: 'the bot is not a member of #ops' }],
  errors: 1,
  warnings: 0,
};

const engineer = { 'x-ms-client-principal': clientPrincipal('eng@example.com', { roles: ['MaintenanceWindows.Engineer'] }) };
const VALID = ['apiVersion: mw/v1', 'id: w1', 'title: W1', 'timeZone: America/New_York', 'displayZones: [Asia/Kolkata]', 'date: 2025-06-22', 'phases:', '  - id: p', '    start: Saturday 09:00', '    steps:', '      - { id: s, kind: manual, instructions: x }', ''].join('\n');

function deps(text = VALID) {
  const made = fakeDeps({ mode: 'app-service', engineers: [] });
  const ran: string[] = [];
  made.deps.store.getRunbook = async () => undefined;
  made.deps.windows.read = async (id) => (id === 'w1' ? { windowId: 'w1', file: 'w1.yaml', text, revision: 'r1' } : undefined);
  return { deps: { ...made.deps, preflight: async (w: { id: string }) => (ran.push(w.id), REPORT) }, ran, marks: made.changes.marks };
}

describe('preflightRoute', () => {
  it('runs the pre-flight for a platform engineer and answers 200 with the findings, their fields and the text', async () => {
    const { deps: d, ran } = deps();
    const r = await preflightRoute(d, request({ windowId: 'w1' }, engineer));
    expect(r.status).toBe(200);
    expect(ran).toEqual(['w1']);
    expect(r.jsonBody).toMatchObject({ windowId: 'w1', errors: 1, revision: 'r1', by: 'eng@example.com', findings: [{ field: 'notifications.channels[0]' }] });
    expect((r.jsonBody as { text: string }).text).toMatch(/^Pre-flight of W1 \(w1\), Sat 09:00 EDT \| Sat 18:30 IST\n/);
  });

  it('keeps it as the latest, which the status page shows with its fields and times in the window\'s zones', async () => {
    const { deps: d, marks } = deps();
    await preflightRoute(d, request({ windowId: 'w1' }, engineer));
    expect(JSON.parse(marks.get('w1/preflight:latest')!)).toMatchObject({ errors: 1, by: 'eng@example.com' });
    const page = await statusPage(d, request({ windowId: 'w1' }, engineer));
    expect(page.status).toBe(200);
    const html = String(page.body);
    expect(html).toContain('<section id="preflight"');
    expect(html).toMatch(/Latest pre-flight Sat 09:00 EDT[^<]*IST[^<]*\(eng@example\.com\): <b>1 error, 0 warnings<\/b>/);
    expect(html).toContain('<code>notifications.channels[0]</code> the bot is not a member of #ops');
  });

  it('refuses anyone else with 403 and reads nothing', async () => {
    const { deps: d, ran } = deps();
    const r = await preflightRoute(d, request({ windowId: 'w1' }, { 'x-ms-client-principal': clientPrincipal('dana@example.com') }));
    expect(r.status).toBe(403);
    expect(ran).toEqual([]);
  });

  it('answers 404 for an unknown window and 409 with the problems for an invalid one', async () => {
    expect((await preflightRoute(deps().deps, request({ windowId: 'nope' }, engineer))).status).toBe(404);
    const r = await preflightRoute(deps('apiVersion: mw/v1\nid: w1\n').deps, request({ windowId: 'w1' }, engineer));
    expect(r.status).toBe(409);
    expect(r.jsonBody).toMatchObject({ error: { code: 'InvalidWindow' } });
  });
});
