import { abortWindow, answerCanary, decideApproval, emergencyPage, listWindows, startWindow, tickManualStep, type ApiDeps, type ApiRequest, type ApiResponse } from '../../../shared/api/windows';
import { clientPrincipal, fakeDeps, request, type Changes } from './fakes';

/**
 * Who may change what, route by route: a caller outside the route's role gets 403 (or 401
 * when nobody signed in), the refusal is logged with the caller, and nothing changes — no
 * orchestration started, no event raised, nothing written to the record.
 */

type Route = { name: string; handler: (d: ApiDeps, r: ApiRequest) => Promise<ApiResponse>; params: Record<string, string>; body: unknown; allowed: string; states?: Record<string, 'doing' | 'waiting-for-approval'> };

const ROUTES: Route[] = [
  { name: 'start', handler: startWindow, params: { windowId: 'w1' }, body: { reason: 'go' }, allowed: 'rehearsal-runner' },
  { name: 'abort', handler: abortWindow, params: { windowId: 'w1' }, body: { reason: 'errors on www' }, allowed: 'omar' },
  { name: 'maintenance page', handler: emergencyPage, params: { windowId: 'w1', pageId: 'public' }, body: { action: 'down', reason: 'customers waiting' }, allowed: 'grace' },
  { name: 'tick an assigned manual step', handler: tickManualStep, params: { windowId: 'w1', stepId: 'k8s-secret' }, body: { outcome: 'done' }, allowed: 'lena', states: { 'k8s-secret': 'doing' } },
  { name: 'tick an unassigned manual step', handler: tickManualStep, params: { windowId: 'w1', stepId: 'check' }, body: {}, allowed: 'grace', states: { check: 'doing' } },
  { name: 'canary answer', handler: answerCanary, params: { windowId: 'w1', stepId: 'canary' }, body: { team: 'payments', ok: false }, allowed: 'lena', states: { canary: 'doing' } },
  { name: 'canary answer for a team with no members', handler: answerCanary, params: { windowId: 'w1', stepId: 'canary' }, body: { team: 'ghosts', ok: true }, allowed: 'grace', states: { canary: 'doing' } },
  { name: 'approval', handler: decideApproval, params: { windowId: 'w1', gateId: 'go-ahead' }, body: { decision: 'approve' }, allowed: 'dana', states: { 'go-ahead': 'waiting-for-approval' } },
];

const nothingChanged = (c: Changes) => expect({ started: c.started, raised: c.raised, events: c.events }).toEqual({ started: [], raised: [], events: [] });

describe.each(ROUTES)('$name', (route) => {
  // The start route has no run yet, so nothing about the window to say 'not started'.
  const runState = route.name === 'start' ? { run: { state: 'succeeded' } } : {};

  it('refuses someone outside the role with 403, logs the caller, and changes nothing', async () => {
    const { deps, changes, logs } = fakeDeps({ mode: 'local-header', states: route.states, ...runState });
    const r = await route.handler(deps, request(route.params, { 'x-mw-user': 'mallory' }, route.body));
    expect(r.status).toBe(403);
    nothingChanged(changes);
    expect(logs.join('\n')).toMatch(/mallory/);
  });

  it('lets the role in', async () => {
    const { deps, changes } = fakeDeps({ mode: 'local-header', states: route.states, ...runState });
    const r = await route.handler(deps, request(route.params, { 'x-mw-user': route.allowed }, route.body));
    expect(r.status).toBe(202);
    expect(changes.started.length + changes.raised.length).toBe(1);
  });

  it('on Azure, answers a forged x-mw-user with 401 and changes nothing', async () => {
    const { deps, changes } = fakeDeps({ mode: 'app-service', states: route.states, ...runState });
    const r = await route.handler(deps, request(route.params, { 'x-mw-user': route.allowed }, route.body));
    expect(r.status).toBe(401);
    nothingChanged(changes);
  });
});

describe('identity on Azure (App Service authentication)', () => {
  it('takes the approver from the client principal, matched by Entra object id', async () => {
    const { deps, changes } = fakeDeps({ mode: 'app-service', states: { 'go-ahead': 'waiting-for-approval' } });
    // A UPN that differs from the window's email still matches by object id.
    const principal = clientPrincipal('d.whitfield@contoso.onmicrosoft.com', { oid: '11111111-1111-1111-1111-111111111111' });
    const r = await decideApproval(deps, request({ windowId: 'w1', gateId: 'go-ahead' }, { 'x-ms-client-principal': principal }, { decision: 'approve' }));
    expect(r.status).toBe(202);
    expect(changes.raised).toEqual([expect.objectContaining({ data: expect.objectContaining({ by: 'dana' }) })]);
  });

  it('refuses an authenticated non-approver with 403 and records nothing', async () => {
    const { deps, changes } = fakeDeps({ mode: 'app-service', states: { 'go-ahead': 'waiting-for-approval' } });
    const r = await decideApproval(deps, request({ windowId: 'w1', gateId: 'go-ahead' }, { 'x-ms-client-principal': clientPrincipal('mallory@example.com') }, { decision: 'approve' }));
    expect(r.status).toBe(403);
    nothingChanged(changes);
  });

  it('makes a platform engineer of the Entra app role, and of nothing a caller can add', async () => {
    const { deps, changes } = fakeDeps({ mode: 'app-service', run: { state: 'succeeded' }, engineers: [] });
    const outsider = await startWindow(deps, request({ windowId: 'w1' }, { 'x-ms-client-principal': clientPrincipal('someone@example.com'), 'x-mw-user': 'rehearsal-runner' }, {}));
    expect(outsider.status).toBe(403);
    const engineer = await startWindow(deps, request({ windowId: 'w1' }, { 'x-ms-client-principal': clientPrincipal('eng@example.com', { roles: ['MaintenanceWindows.Engineer'] }) }, {}));
    expect(engineer.status).toBe(202);
    expect(changes.started).toHaveLength(1);
    expect(changes.started[0]!.input).toMatchObject({ startedBy: 'eng@example.com' });
  });
});

describe('identity on the local host', () => {
  it('ignores a forged X-MS-CLIENT-PRINCIPAL: only the local header names the caller', async () => {
    const { deps, changes } = fakeDeps({ mode: 'local-header', states: { 'go-ahead': 'waiting-for-approval' } });
    const forged = await decideApproval(deps, request({ windowId: 'w1', gateId: 'go-ahead' }, { 'x-ms-client-principal': clientPrincipal('dana@example.com') }, { decision: 'approve' }));
    expect(forged.status).toBe(401);
    const asMallory = await decideApproval(deps, request({ windowId: 'w1', gateId: 'go-ahead' }, { 'x-ms-client-principal': clientPrincipal('dana@example.com'), 'x-mw-user': 'mallory' }, { decision: 'approve' }));
    expect(asMallory.status).toBe(403);
    nothingChanged(changes);
  });
});

describe('the window list', () => {
  it('shows no server file path', async () => {
    const { deps } = fakeDeps({ mode: 'local-header' });
    const r = await listWindows(deps);
    expect(JSON.stringify(r.jsonBody)).not.toContain('/srv/app');
    expect(r.jsonBody).toEqual({ windows: [expect.objectContaining({ windowId: 'w1', file: 'w1.yaml' })] });
  });
});
