import { z } from 'zod';
import { JsonHttpsClient } from '../http/https';

/** The envelope every Opsgenie answer comes in. */
const Envelope = <T extends z.ZodTypeAny>(data: T) => z.object({ data, result: z.string().optional(), took: z.number().optional(), requestId: z.string().optional() });

export const OpsgenieIntegration = z.object({ id: z.string(), name: z.string(), enabled: z.boolean().optional(), type: z.string().optional() });
export type OpsgenieIntegration = z.infer<typeof OpsgenieIntegration>;

export const OpsgeniePolicy = z.object({ id: z.string(), name: z.string(), type: z.string().optional(), enabled: z.boolean().optional() });

export const OpsgenieMaintenance = z.object({
  id: z.string(),
  status: z.enum(['active', 'planned', 'past', 'cancelled']),
  description: z.string().optional(),
  time: z.object({ type: z.string(), startDate: z.string().optional(), endDate: z.string().optional() }),
});
export type OpsgenieMaintenance = z.infer<typeof OpsgenieMaintenance>;

/** Options for {@link createOpsgenieClient}; nothing is read from the environment. */
export interface OpsgenieClientOptions {
  /** An API integration's key (`Authorization: GenieKey <key>`). */
  apiKey: string;
  /** Default `https://api.opsgenie.com` (EU: `https://api.eu.opsgenie.com`). */
  baseUrl?: string;
  caPem?: string;
  maxRetries?: number;
  retryDelayInMs?: number;
}

function describe(status: number, body: unknown): string {
  const message = z.object({ message: z.string() }).safeParse(body).data?.message;
  return `opsgenie: ${status} ${message ?? 'request failed'}`;
}

/**
 * The Opsgenie REST API the app uses (https://docs.opsgenie.com/docs/rest-api/maintenance-api,
 * .../integration-api, .../alert-policy-api), which Jira Service Management Operations accounts
 * migrated from Opsgenie keep answering.
 */
export class OpsgenieClient {
  constructor(private readonly http: JsonHttpsClient) {}

  async listIntegrations(): Promise<OpsgenieIntegration[]> {
    return (await this.http.request({ method: 'GET', path: '/v2/integrations', schema: Envelope(z.array(OpsgenieIntegration)) })).data;
  }

  async listAlertPolicies(): Promise<z.infer<typeof OpsgeniePolicy>[]> {
    return (await this.http.request({ method: 'GET', path: '/v2/policies/alert', schema: Envelope(z.array(OpsgeniePolicy)) })).data;
  }

  async createMaintenance(input: { description: string; startDate: string; endDate: string; rules: { entity: { id: string; type: 'integration' | 'policy' }; state: 'disabled' }[] }): Promise<OpsgenieMaintenance> {
    const body = { description: input.description, time: { type: 'schedule', startDate: input.startDate, endDate: input.endDate }, rules: input.rules };
    return (await this.http.request({ method: 'POST', path: '/v1/maintenance', json: body, schema: Envelope(OpsgenieMaintenance) })).data;
  }

  /** Maintenances not yet over (planned or active), the list a retried create looks in. */
  async listMaintenances(): Promise<OpsgenieMaintenance[]> {
    return (await this.http.request({ method: 'GET', path: '/v1/maintenance', query: { type: 'non-expired' }, schema: Envelope(z.array(OpsgenieMaintenance)) })).data;
  }

  async getMaintenance(id: string): Promise<OpsgenieMaintenance | undefined> {
    return (await this.http.request({ method: 'GET', path: `/v1/maintenance/${encodeURIComponent(id)}`, schema: Envelope(OpsgenieMaintenance), absentOn: [404] }))?.data;
  }

  async cancelMaintenance(id: string): Promise<void> {
    await this.http.request({ method: 'POST', path: `/v1/maintenance/${encodeURIComponent(id)}/cancel`, schema: z.object({ result: z.string() }).passthrough() });
  }
}

/** Creates the Opsgenie client the app uses. */
export function createOpsgenieClient(options: OpsgenieClientOptions): OpsgenieClient {
  return new OpsgenieClient(
    new JsonHttpsClient({
      vendor: 'opsgenie',
      baseUrl: (options.baseUrl ?? 'https://api.opsgenie.com').replace(/\/$/, ''),
      headers: { Authorization: `GenieKey ${options.apiKey}` },
      describeError: describe,
      ...(options.caPem ? { caPem: options.caPem } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      ...(options.retryDelayInMs !== undefined ? { retryDelayInMs: options.retryDelayInMs } : {}),
    }),
  );
}
