import { z } from 'zod';
import { JsonHttpsClient } from '../http/https';

/** A maintenance window as Pingdom 3.1 returns it (times in epoch seconds). */
export const PingdomMaintenance = z.object({
  id: z.number(),
  description: z.string(),
  from: z.number(),
  to: z.number(),
  recurrencetype: z.string(),
  repeatevery: z.number(),
  effectiveto: z.number(),
  checks: z.object({ uptime: z.array(z.number()), tms: z.array(z.number()) }),
});
export type PingdomMaintenance = z.infer<typeof PingdomMaintenance>;

/** An uptime check, as far as the app reads it. */
export const PingdomCheck = z.object({ id: z.number(), name: z.string(), hostname: z.string(), status: z.string(), type: z.string() });
export type PingdomCheck = z.infer<typeof PingdomCheck>;

const Message = z.object({ message: z.string() });

/** Options for {@link createPingdomClient}; nothing is read from the environment. */
export interface PingdomClientOptions {
  apiToken: string;
  /** Default `https://api.pingdom.com/api/3.1`; the sandbox's is `<url>/api/3.1`. */
  baseUrl?: string;
  caPem?: string;
  maxRetries?: number;
  retryDelayInMs?: number;
}

/** Fields of a maintenance window to create or change. */
export interface PingdomMaintenanceInput {
  description: string;
  from: Date;
  to: Date;
  uptimeIds: number[];
}

/** Pingdom API 3.1: maintenance windows and checks. */
export class PingdomClient {
  constructor(private readonly http: JsonHttpsClient) {}

  /** Every uptime check. */
  async listChecks(): Promise<PingdomCheck[]> {
    return (await this.http.request({ method: 'GET', path: '/checks', schema: z.object({ checks: z.array(PingdomCheck) }) })).checks;
  }

  /** Every maintenance window. */
  async listMaintenance(): Promise<PingdomMaintenance[]> {
    return (await this.http.request({ method: 'GET', path: '/maintenance', schema: z.object({ maintenance: z.array(PingdomMaintenance) }) })).maintenance;
  }

  /** One window, or undefined when it does not exist. */
  async getMaintenance(id: number): Promise<PingdomMaintenance | undefined> {
    const res = await this.http.request({ method: 'GET', path: `/maintenance/${id}`, schema: z.object({ maintenance: PingdomMaintenance }), absentOn: [404] });
    return res?.maintenance;
  }

  /** Creates a one-off window over the given checks; returns its id. */
  async createMaintenance(input: PingdomMaintenanceInput): Promise<number> {
    const res = await this.http.request({
      method: 'POST',
      path: '/maintenance',
      json: { description: input.description, from: seconds(input.from), to: seconds(input.to), uptimeids: input.uptimeIds.join(',') },
      schema: z.object({ maintenance: z.object({ id: z.number() }) }),
    });
    return res.maintenance.id;
  }

  /** Changes a window (e.g. ends it early by moving `to`). */
  async updateMaintenance(id: number, input: Partial<PingdomMaintenanceInput>): Promise<string> {
    const json: Record<string, unknown> = {};
    if (input.description !== undefined) json['description'] = input.description;
    if (input.from) json['from'] = seconds(input.from);
    if (input.to) json['to'] = seconds(input.to);
    if (input.uptimeIds) json['uptimeids'] = input.uptimeIds.join(',');
    return (await this.http.request({ method: 'PUT', path: `/maintenance/${id}`, json, schema: Message })).message;
  }

  /** Deletes a window; resolves false when it was already gone. */
  async deleteMaintenance(id: number): Promise<boolean> {
    return (await this.http.request({ method: 'DELETE', path: `/maintenance/${id}`, schema: Message, absentOn: [404] })) !== undefined;
  }
}

function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/** Pingdom's error body: `{ error: { statuscode, statusdesc, errormessage } }`. */
function describe(status: number, body: unknown): string {
  const parsed = z.object({ error: z.object({ errormessage: z.string() }) }).safeParse(body);
  return `pingdom: ${status} ${parsed.success ? parsed.data.error.errormessage : 'request failed'}`;
}

/** Creates the Pingdom client the app uses. */
export function createPingdomClient(options: PingdomClientOptions): PingdomClient {
  return new PingdomClient(
    new JsonHttpsClient({
      vendor: 'pingdom',
      baseUrl: options.baseUrl ?? 'https://api.pingdom.com/api/3.1',
      headers: { Authorization: `Bearer ${options.apiToken}` },
      describeError: describe,
      ...(options.caPem ? { caPem: options.caPem } : {}),
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      ...(options.retryDelayInMs !== undefined ? { retryDelayInMs: options.retryDelayInMs } : {}),
    }),
  );
}
