/** The parts of an ARM resource id the adapters address SDK calls by. */
export interface ResourceIdParts {
  subscriptionId: string;
  resourceGroup: string;
  /** e.g. 'Microsoft.Compute' */
  provider: string;
  /** e.g. 'virtualMachines' */
  type: string;
  name: string;
}

const RESOURCE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/([^/]+)\/([^/]+)$/i;

/**
 * Parses `/subscriptions/{sub}/resourceGroups/{rg}/providers/{provider}/{type}/{name}` and checks
 * provider and type (case-insensitively, as ARM does). `what` names the argument in the error.
 */
export function parseResourceId(resourceId: string, provider: string, type: string, what = 'resource id'): ResourceIdParts {
  const m = RESOURCE_ID.exec(resourceId.trim().replace(/\/$/, ''));
  if (!m) throw new TypeError(`${what} must look like /subscriptions/<id>/resourceGroups/<group>/providers/${provider}/${type}/<name>: got '${resourceId}'`);
  const [, subscriptionId = '', resourceGroup = '', p = '', t = '', name = ''] = m;
  if (p.toLowerCase() !== provider.toLowerCase() || t.toLowerCase() !== type.toLowerCase()) {
    throw new TypeError(`${what} must name a ${provider}/${type} resource: got '${resourceId}'`);
  }
  return { subscriptionId, resourceGroup, provider: p, type: t, name: decodeURIComponent(name) };
}

const SCOPE = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/i;

/** Parses `/subscriptions/{sub}/resourceGroups/{rg}`. */
export function parseResourceGroupId(scope: string, what = 'scope'): { subscriptionId: string; resourceGroup: string } {
  const m = SCOPE.exec(scope.trim().replace(/\/$/, ''));
  if (!m) throw new TypeError(`${what} must look like /subscriptions/<id>/resourceGroups/<group>: got '${scope}'`);
  return { subscriptionId: m[1] ?? '', resourceGroup: m[2] ?? '' };
}

/** Caches one SDK client per subscription: each is bound to its subscription id. */
export class PerSubscription<T> {
  private readonly clients = new Map<string, T>();

  constructor(private readonly create: (subscriptionId: string) => T) {}

  get(subscriptionId: string): T {
    const key = subscriptionId.toLowerCase();
    let client = this.clients.get(key);
    if (!client) {
      client = this.create(subscriptionId);
      this.clients.set(key, client);
    }
    return client;
  }
}
