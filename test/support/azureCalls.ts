import { readFileSync } from 'fs';
import { join } from 'path';

/**
 * The app's Azure calls against the roles it is granted: the calls recorded from the end-to-end
 * rehearsals (test/fixtures/azure-calls.json; every end-to-end rehearsal checks its own calls against it), the
 * map from each call to its RBAC actions (infra/app/roles/operations.json) and the custom role
 * definitions the Bicep deploys (infra/app/roles/*-role.json).
 */

export const ROOT = join(__dirname, '../..');
export const RECORDED_FILE = join(ROOT, 'test/fixtures/azure-calls.json');
const ROLES_DIR = join(ROOT, 'infra/app/roles');

/** Listeners of the simulated estate that stand for Azure (Resource Manager, Key Vault data plane). */
export const AZURE_LISTENERS = ['arm', 'keyvault'];

export interface Recorded {
  /** `listener METHOD /path/{template}`, sorted. */
  operations: string[];
  /** Resource groups the ARM calls went to, `/subscriptions/<id>/resourceGroups/<name>` in lower case, sorted. */
  resourceGroups: string[];
}

export type RoleKind = 'estate' | 'status' | 'vault';

export interface OperationMap {
  operations: { call: string; role: RoleKind; actions?: string[]; dataActions?: string[]; why: string }[];
}

export interface RoleDefinition {
  roleName: string;
  description: string;
  permissions: { actions: string[]; notActions: string[]; dataActions: string[]; notDataActions: string[] }[];
}

export type Roles = Record<RoleKind, RoleDefinition>;

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

export const readRecorded = (): Recorded => readJson<Recorded>(RECORDED_FILE);
export const readOperationMap = (): OperationMap => readJson<OperationMap>(join(ROLES_DIR, 'operations.json'));
export const readRoles = (): Roles => ({
  estate: readJson<RoleDefinition>(join(ROLES_DIR, 'estate-role.json')),
  status: readJson<RoleDefinition>(join(ROLES_DIR, 'status-role.json')),
  vault: readJson<RoleDefinition>(join(ROLES_DIR, 'vault-role.json')),
});

/**
 * A call as `listener METHOD template`: the route pattern that served it, with parameters as
 * `{name}` except the resource provider, which stays literal (one route polls Compute and Network
 * operations alike, and they are different actions).
 */
export function callTemplate(call: { listener: string; method: string; path: string; route?: string }): string {
  if (!call.route) throw new Error(`${call.listener} ${call.method} ${call.path} was served by no route (the app called a path the simulated estate does not have)`);
  const pathParts = call.path.split('/');
  const template = call.route
    .split('/')
    .map((segment, i) => (segment === ':provider' ? (pathParts[i] ?? segment) : segment.startsWith(':') ? `{${segment.slice(1)}}` : segment))
    .join('/');
  return `${call.listener} ${call.method.toUpperCase()} ${template}`;
}

/** The resource group an ARM path is in, `/subscriptions/<id>/resourceGroups/<name>` in lower case; undefined above resource groups. */
export function resourceGroupOf(path: string): string | undefined {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)/i.exec(path);
  return m ? `/subscriptions/${m[1]}/resourceGroups/${m[2]}`.toLowerCase() : undefined;
}

const granted = (role: RoleDefinition, kind: 'actions' | 'dataActions'): string[] => role.permissions.flatMap((p) => p[kind]);

/**
 * Everything wrong between the recorded calls, the map and the roles, one line each: a call
 * nobody mapped, a mapped call never made, an action a call needs that its role lacks, and an
 * action a role grants that no call needs (least privilege: exactly those actions). Empty when right.
 */
export function roleProblems(recorded: Recorded, map: OperationMap, roles: Roles): string[] {
  const problems: string[] = [];
  const byCall = new Map<string, OperationMap['operations']>();
  for (const op of map.operations) byCall.set(op.call, [...(byCall.get(op.call) ?? []), op]);
  const needed: Record<RoleKind, Record<'actions' | 'dataActions', Map<string, string>>> = {
    estate: { actions: new Map(), dataActions: new Map() },
    status: { actions: new Map(), dataActions: new Map() },
    vault: { actions: new Map(), dataActions: new Map() },
  };
  for (const call of recorded.operations) {
    const ops = byCall.get(call) ?? [];
    if (ops.length !== 1) {
      problems.push(ops.length === 0 ? `${call}: no entry in infra/app/roles/operations.json` : `${call}: ${ops.length} entries in infra/app/roles/operations.json`);
      continue;
    }
    const op = ops[0]!;
    for (const kind of ['actions', 'dataActions'] as const) for (const action of op[kind] ?? []) needed[op.role][kind].set(action, call);
  }
  for (const op of map.operations) if (!recorded.operations.includes(op.call)) problems.push(`${op.call}: mapped but never called in the rehearsals (remove it, or rehearse it)`);
  for (const role of Object.keys(needed) as RoleKind[]) {
    for (const kind of ['actions', 'dataActions'] as const) {
      const have = new Set(granted(roles[role], kind));
      for (const [action, call] of needed[role][kind]) if (!have.has(action)) problems.push(`${role} role lacks ${action} (${kind}), needed by ${call}`);
      for (const action of have) if (!needed[role][kind].has(action)) problems.push(`${role} role grants ${action} (${kind}), which no call needs`);
      for (const action of have) if (action.includes('*')) problems.push(`${role} role grants a wildcard, ${action}`);
    }
  }
  return problems;
}

/**
 * The Azure calls of one rehearsal that the recorded list (and so the roles) does not know, one
 * line each. Empty when every call is one the roles were checked against.
 */
export function unrecordedAzureCalls(calls: { listener: string; method: string; path: string; route?: string }[]): string[] {
  const recorded = readRecorded();
  const known = new Set(recorded.operations);
  const groups = new Set(recorded.resourceGroups);
  const problems: string[] = [];
  for (const call of calls.filter((c) => AZURE_LISTENERS.includes(c.listener))) {
    const template = callTemplate(call);
    if (!known.has(template)) problems.push(`${template}: not in test/fixtures/azure-calls.json; add it, map it in infra/app/roles/operations.json and grant it`);
    const group = call.listener === 'arm' ? resourceGroupOf(call.path) : undefined;
    if (group && !groups.has(group)) problems.push(`${group}: a resource group the roles are not assigned on (azure-calls.json resourceGroups, main.parameters.json managedScopes)`);
  }
  return [...new Set(problems)];
}
