import type { Runbook } from '../window/runbook';
import { personOf, type Caller } from './identity';

/**
 * Who may change what. Identity says who the caller is (identity.ts); this says what they may
 * do, from the roles the window names (`access`, assignees, teams) and the platform-engineer
 * list or Entra app role in the app's configuration. Reading status needs only a signed-in
 * caller; every state-changing route asks here first, and a refusal changes nothing.
 */
export interface PlatformEngineers {
  /** UPNs / emails or Entra object ids (local: the header's names). */
  ids: string[];
  /** Entra app role granting it (App Service authentication's role claims). */
  appRole: string;
}

export type Action =
  | { kind: 'start' }
  | { kind: 'publish' }
  | { kind: 'preflight' }
  | { kind: 'abort' }
  | { kind: 'maintenance-page' }
  | { kind: 'tick'; assignees: string[] | undefined }
  | { kind: 'canary-answer'; members: string[] };

export type Verdict = { ok: true; person: string | undefined } | { ok: false; reason: string };

export function isPlatformEngineer(caller: Caller, engineers: PlatformEngineers): boolean {
  const ids = new Set(engineers.ids.map((x) => x.toLowerCase()));
  if (ids.has(caller.id.toLowerCase())) return true;
  if (caller.objectId && ids.has(caller.objectId.toLowerCase())) return true;
  return caller.source === 'app-service' && caller.roles.includes(engineers.appRole);
}

/** Whether `caller` may do `action` on a window (runbook undefined: no run yet, for start/publish). */
export function authorize(caller: Caller, action: Action, engineers: PlatformEngineers, runbook?: Pick<Runbook, 'people' | 'access'>): Verdict {
  const person = runbook ? personOf(runbook, caller) : undefined;
  const engineer = isPlatformEngineer(caller, engineers);
  const leads = runbook?.access?.leads ?? [];
  const onCall = runbook?.access?.onCall ?? [];
  const is = (ids: string[]) => person !== undefined && ids.includes(person);
  const allow = (yes: boolean, reason: string): Verdict => (yes ? { ok: true, person } : { ok: false, reason: `${caller.id} ${reason}` });
  switch (action.kind) {
    case 'start':
      return allow(engineer || is(leads), 'may not start windows: platform engineers and the window\'s leads may');
    case 'publish':
      return allow(engineer, 'may not publish windows: platform engineers may');
    case 'preflight':
      // It reads the whole estate with the app's identity: what it reveals is for the people who run the app.
      return allow(engineer, 'may not run a pre-flight: platform engineers may');
    case 'abort':
    case 'maintenance-page':
      return allow(engineer || is(leads) || is(onCall), `may not ${action.kind === 'abort' ? 'abort this window' : 'switch this maintenance page'}: its on-call engineers, its leads and platform engineers may`);
    case 'tick':
      // An assigned step is its assignee's (or a lead's, covering for them); an unassigned one a lead's or an engineer's.
      return action.assignees?.length
        ? allow(is(action.assignees) || is(leads), `may not tick this step: it is assigned to ${action.assignees.join(', ')} (or the window's leads)`)
        : allow(is(leads) || engineer, 'may not tick this step: the window\'s leads and platform engineers may');
    case 'canary-answer':
      return action.members.length
        ? allow(is(action.members), 'does not answer for this team')
        : allow(is(leads) || engineer, 'does not answer for this team: it names no members, so only the window\'s leads and platform engineers may');
  }
}
