import type { ApiDeps, ApiRequest, DurableStatusView } from '../../../shared/api/windows';
import type { StepState } from '../../../shared/orchestrations/contracts';
import type { EventRecord, RunRecord, StepRecord, WindowStore } from '../../../shared/store/windowStore';
import type { Runbook, RunbookStep } from '../../../shared/window/runbook';

/**
 * In-memory stand-ins for the API's dependencies, recording every change, so a test can say
 * "refused, and nothing changed": no orchestration started, no event raised, nothing stored.
 */
export interface Changes {
  started: { name: string; instanceId: string; input: unknown }[];
  raised: { instanceId: string; eventName: string; data: unknown }[];
  events: EventRecord[];
  marks: Map<string, string>;
}

const step = (id: string, spec: RunbookStep['spec']): RunbookStep => ({
  id,
  title: id,
  phaseId: 'work',
  deps: [],
  finishAfter: [],
  plannedStart: '2025-06-22T09:00:00.000Z',
  plannedEnd: '2025-06-22T09:30:00.000Z',
  estimateMinutes: 30,
  tickets: [],
  continueOnFailure: false,
  deferrable: false,
  spec,
});

/** A small run: a gate, a page, an assigned and an unassigned manual step, a canary with a staffed and an empty team. */
export function sampleRunbook(): Runbook {
  return {
    windowId: 'w1',
    revision: 'r1',
    title: 'W1',
    timeZone: 'America/New_York',
    displayZones: ['Asia/Kolkata'],
    startAt: '2025-06-22T08:00:00.000Z',
    plannedEndAt: '2025-06-22T12:00:00.000Z',
    channels: { milestones: ['#mw'], failures: [] },
    people: {
      dana: { name: 'Dana', email: 'dana@example.com', entraObjectId: '11111111-1111-1111-1111-111111111111' },
      priya: { name: 'Priya', email: 'priya@example.com' },
      grace: { name: 'Grace', email: 'grace@example.com' },
      omar: { name: 'Omar', email: 'omar@example.com' },
      lena: { name: 'Lena', email: 'lena@example.com' },
      mallory: { name: 'Mallory', email: 'mallory@example.com' },
    },
    access: { leads: ['grace'], onCall: ['omar'] },
    phases: [{ id: 'work', title: 'Work' }],
    steps: [
      step('go-ahead', { kind: 'approval', roles: [{ role: 'approvers', quorum: 1, approvers: ['dana', 'priya'] }], timeoutMinutes: 30, onTimeout: 'reject', maxEscalations: 1, channels: [] } as unknown as RunbookStep['spec']),
      step('page-up', { kind: 'maintenance-page', page: 'public', action: 'up' } as RunbookStep['spec']),
      step('k8s-secret', { kind: 'manual', instructions: 'update the cronjob secret', assignee: 'integrations', assignees: ['lena'] }),
      step('check', { kind: 'manual', instructions: 'look' }),
      step('canary', { kind: 'canary', teams: [{ id: 'payments', title: 'Payments', members: ['lena'], apps: [] }, { id: 'ghosts', title: 'Ghosts', members: [], apps: [] }] } as unknown as RunbookStep['spec']),
    ],
  };
}

export function fakeDeps(options: { mode: 'app-service' | 'local-header'; states?: Record<string, StepState>; run?: Partial<RunRecord>; engineers?: string[] }): { deps: ApiDeps; changes: Changes; logs: string[] } {
  const runbook = sampleRunbook();
  const run: RunRecord = { windowId: 'w1', runId: '20250622080000', instanceId: 'window-w1', revision: 'r1', startedBy: 'rehearsal-runner', mode: 'manual', state: 'running', startedAt: '2025-06-22T08:00:00.000Z', ...options.run };
  const changes: Changes = { started: [], raised: [], events: [], marks: new Map() };
  const logs: string[] = [];
  const states: Record<string, StepRecord> = Object.fromEntries(Object.entries(options.states ?? {}).map(([id, state]) => [id, { stepId: id, state, at: '2025-06-22T09:00:00.000Z' }]));
  const store = {
    getRun: async () => run,
    listRuns: async () => [run],
    getRunbook: async () => runbook,
    getStepStates: async () => states,
    appendEvent: async (_w: string, e: EventRecord) => void changes.events.push(e),
    listEvents: async () => changes.events,
    listLedger: async () => [],
    claimMark: async (w: string, key: string, value: string) => {
      if (changes.marks.has(`${w}/${key}`)) return false;
      changes.marks.set(`${w}/${key}`, value);
      return true;
    },
    clearMark: async (w: string, key: string) => void changes.marks.delete(`${w}/${key}`),
    getMark: async (w: string, key: string) => changes.marks.get(`${w}/${key}`),
    setMark: async (w: string, key: string, value: string) => void changes.marks.set(`${w}/${key}`, value),
  } as unknown as WindowStore;
  const windowText = 'apiVersion: mw/v1\nid: w1\n';
  const deps: ApiDeps = {
    store,
    windows: {
      read: async (id) => (id === 'w1' ? { windowId: 'w1', file: '/srv/app/windows/w1.yaml', text: windowText, revision: 'r1' } : undefined),
      readRevision: async () => undefined,
      list: async () => [{ windowId: 'w1', file: '/srv/app/windows/w1.yaml', revision: 'r1' }],
    },
    clock: { now: async () => Date.parse('2025-06-22T09:10:00Z') },
    identity: { mode: options.mode, header: 'x-mw-user' },
    engineers: { ids: options.engineers ?? ['rehearsal-runner', 'eng@example.com'], appRole: 'MaintenanceWindows.Engineer' },
    durable: {
      getStatus: async (): Promise<DurableStatusView | undefined> => ({ runtimeStatus: run.state === 'running' ? 'Running' : 'Completed' }),
      startNew: async (name, instanceId, input) => void changes.started.push({ name, instanceId, input }),
      raiseEvent: async (instanceId, eventName, data) => {
        changes.raised.push({ instanceId, eventName, data });
        return 'raised';
      },
    },
    log: (m) => void logs.push(m),
  };
  return { deps, changes, logs };
}

export function headersOf(values: Record<string, string>): ApiRequest['headers'] {
  const lower = Object.fromEntries(Object.entries(values).map(([k, v]) => [k.toLowerCase(), v]));
  return { get: (name) => lower[name.toLowerCase()] ?? null };
}

/** The X-MS-CLIENT-PRINCIPAL App Service injects for an Entra user (claims-mapped names). */
export function clientPrincipal(upn: string, options: { oid?: string; roles?: string[] } = {}): string {
  const claims = [
    { typ: 'preferred_username', val: upn },
    { typ: 'name', val: upn.split('@')[0]! },
    ...(options.oid ? [{ typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: options.oid }] : []),
    ...(options.roles ?? []).map((r) => ({ typ: 'roles', val: r })),
  ];
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', name_typ: 'preferred_username', role_typ: 'roles', claims })).toString('base64');
}

export function request(params: Record<string, string>, headers: Record<string, string>, body?: unknown): ApiRequest {
  return { params, headers: headersOf(headers), body };
}
