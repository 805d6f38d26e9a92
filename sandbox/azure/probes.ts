import { z } from 'zod';
import type { Router, SandboxRequest, SandboxResponse, SandboxService, ServiceContext } from '../core/types';
import { azureModelFor, type AzureModel } from './model';
import { frontAnswer, type Front } from '../core/fronts';

/** A canned answer for one path. */
const PathAnswerSchema = z
  .object({
    status: z.number().int().min(100).max(599).default(200),
    body: z.string().default(''),
    contentType: z.string().min(1).default('text/html; charset=utf-8'),
  })
  .strict();
export type PathAnswer = z.infer<typeof PathAnswerSchema>;

const PathMap = z.record(z.string().regex(/^\//, 'paths start with /'), PathAnswerSchema);

/**
 * The `probes:` section of the estate YAML: what the simulated web servers answer besides `/health`.
 * `iis` holds the paths every VM with IIS (any app pool) answers while healthy; `sites` are other
 * hosts that probes reach (public sites, HAProxy fronts, Consul estate boxes), answered as given.
 */
export const ProbesEstateSchema = z
  .object({
    iis: PathMap.default({}),
    sites: z.array(z.object({ host: z.string().min(1), paths: PathMap }).strict()).default([]),
  })
  .strict();
export type ProbesEstate = z.infer<typeof ProbesEstateSchema>;

/** What probe routing needs to know about one VM, now. */
export interface ProbeVm {
  name: string;
  appPools: string[];
  healthy: boolean;
  patchLevel: string;
}

/** Everything a probe can reach: VMs by name and the estate's `probes` section. */
export interface ProbeTargets {
  vm(name: string): ProbeVm | undefined;
  probes: ProbesEstate;
}

const HEADERS = { 'Cache-Control': 'no-store' };
const notFound = (what: string): SandboxResponse => ({ status: 404, headers: { ...HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }, body: `unknown ${what}` });
const canned = (a: PathAnswer): SandboxResponse => ({ status: a.status, headers: { ...HEADERS, 'Content-Type': a.contentType }, body: a.body });
const lookup = (paths: Record<string, PathAnswer>, path: string): PathAnswer | undefined =>
  Object.entries(paths).find(([p]) => p.toLowerCase() === path.toLowerCase())?.[1];

/** The JSON health answer of `/health` and `/{vm}/health`. */
export function healthAnswer(vm: ProbeVm): SandboxResponse {
  return {
    status: vm.healthy ? 200 : 503,
    headers: { ...HEADERS, 'Content-Type': 'application/json; charset=utf-8' },
    body: { server: vm.name, status: vm.healthy ? 'Healthy' : 'Unhealthy', patchLevel: vm.patchLevel },
  };
}

/**
 * A VM's web server, IIS-style: `/health` (JSON), the estate's `iis` paths (e.g. `/healthcheck.aspx`
 * answering `OK`), and anything under one of its app pools (`/MyIIS/Account/Login`). While the VM
 * is patching, rebooting, stopped or told to fail, every path answers 503 as IIS behind a dead app would.
 */
export function vmAnswer(targets: ProbeTargets, vm: ProbeVm, path: string): SandboxResponse {
  if (path.toLowerCase() === '/health') return healthAnswer(vm);
  const first = path.split('/')[1] ?? '';
  const iis = vm.appPools.length > 0 ? lookup(targets.probes.iis, path) : undefined;
  const pool = vm.appPools.find((p) => p.toLowerCase() === first.toLowerCase());
  if (!iis && !pool) return notFound(`path ${path} on ${vm.name}`);
  if (!vm.healthy) return { status: 503, headers: { ...HEADERS, 'Content-Type': 'text/html; charset=utf-8' }, body: '<h1>Service Unavailable</h1>' };
  if (iis) return canned(iis);
  return { status: 200, headers: { ...HEADERS, 'Content-Type': 'text/html; charset=utf-8' }, body: `<html><head><title>${pool} - ${vm.name}</title></head><body>${pool}</body></html>` };
}

/**
 * Routes a probe by its Host header, as a request to the real server would go: a host whose first
 * label names a VM (`ic-web5.icprod.local` is IC-Web5) reaches that VM; a host listed in the estate's
 * `probes.sites` gets that site's answers. Undefined when the host names neither (e.g. 127.0.0.1).
 */
export function probeAnswer(targets: ProbeTargets, host: string, path: string): SandboxResponse | undefined {
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  const vm = targets.vm(hostname.split('.')[0] ?? '');
  if (vm) return vmAnswer(targets, vm, path);
  const site = targets.probes.sites.find((s) => s.host.toLowerCase() === hostname);
  if (!site) return undefined;
  const answer = lookup(site.paths, path);
  return answer ? canned(answer) : notFound(`path ${path} on ${site.host}`);
}

/** The probe targets of a live model: VM health follows patching, reboots and faults. */
export function modelTargets(model: AzureModel, probes: ProbesEstate): ProbeTargets {
  return {
    probes,
    vm: (name) => {
      const vm = model.vm(name);
      return vm && { name: vm.name, appPools: Object.keys(vm.appPools), healthy: model.isHealthy(vm), patchLevel: vm.patchLevel };
    },
  };
}

/**
 * The web servers' endpoints, so post-patch sanity checks are real HTTPS requests. By Host header
 * (see {@link probeAnswer}) any path; without a known Host, `GET /{vmName}/health` or `GET /health`
 * with the VM name as the Host's first label. 200 when healthy; 503 while patching or rebooting,
 * when stopped, or when told to fail.
 */
export function registerProbes(router: Router, model: AzureModel, probes: ProbesEstate = ProbesEstateSchema.parse({}), front?: Front): void {
  const targets = modelTargets(model, probes);
  const answer = (req: SandboxRequest): SandboxResponse => {
    // A proxy in front of a site (HAProxy in maintenance) answers before the site does.
    const proxied = front?.((req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase(), req.path);
    if (proxied) return proxied;
    const byHost = probeAnswer(targets, req.headers.host ?? '', req.path);
    if (byHost) return byHost;
    const legacy = /^\/([^/]+)\/health$/i.exec(req.path);
    const vm = legacy ? targets.vm(decodeURIComponent(legacy[1] ?? '')) : undefined;
    if (vm) return healthAnswer(vm);
    return notFound(legacy ? `server ${legacy[1] ?? ''}` : `host ${req.headers.host ?? ''}`);
  };
  router.route('GET', '/*', answer);
  router.route('HEAD', '/*', (req) => ({ ...answer(req), body: undefined }));
}

/** The 'probes' listener's service. */
export function createProbesService(ctx: ServiceContext): SandboxService {
  const model = azureModelFor(ctx);
  const probes = ProbesEstateSchema.parse(ctx.estate['probes'] ?? {});
  return {
    name: 'probes',
    register: (router) => registerProbes(router, model, probes, (host, path) => frontAnswer(ctx, host, path)),
    snapshot: () => ({
      servers: Object.fromEntries([...model.vms.values()].filter((v) => v.role === 'web').map((v) => [v.name, { url: `${model.baseUrl('probes')}/${v.name}/health`, healthy: model.isHealthy(v) }])),
      sites: probes.sites.map((s) => s.host),
    }),
  };
}
