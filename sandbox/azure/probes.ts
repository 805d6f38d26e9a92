import type { Router, SandboxRequest, SandboxResponse, SandboxService, ServiceContext } from '../core/types';
import { azureModelFor, type AzureModel } from './model';

/**
 * The web servers' health endpoints, so post-patch sanity checks are real HTTPS requests:
 * `GET /{vmName}/health`, or `GET /health` with the VM name (or `<name>.<domain>`) as Host.
 * 200 when healthy; 503 while patching or rebooting, when stopped, or when told to fail.
 */
export function registerProbes(router: Router, model: AzureModel): void {
  const answer = (name: string): SandboxResponse => {
    const vm = model.vm(name);
    if (!vm) return { status: 404, body: `unknown server ${name}` };
    const healthy = model.isHealthy(vm);
    return {
      status: healthy ? 200 : 503,
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
      body: { server: vm.name, status: healthy ? 'Healthy' : 'Unhealthy', patchLevel: vm.patchLevel },
    };
  };
  const hostName = (req: SandboxRequest): string => (req.headers.host ?? '').split(':')[0]?.split('.')[0] ?? '';
  router.route('GET', '/:vm/health', (req) => answer(req.params.vm ?? ''));
  router.route('HEAD', '/:vm/health', (req) => ({ ...answer(req.params.vm ?? ''), body: undefined }));
  router.route('GET', '/health', (req) => answer(hostName(req)));
}

/** The 'probes' listener's service. */
export function createProbesService(ctx: ServiceContext): SandboxService {
  const model = azureModelFor(ctx);
  return {
    name: 'probes',
    register: (router) => registerProbes(router, model),
    snapshot: () => ({
      servers: Object.fromEntries([...model.vms.values()].filter((v) => v.role === 'web').map((v) => [v.name, { url: `${model.baseUrl('probes')}/${v.name}/health`, healthy: model.isHealthy(v) }])),
    }),
  };
}
