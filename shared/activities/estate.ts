import type { HttpCheck, Outcome, PatchBeginInput, PoolWriteInput, ProbeOutcome, Progress, ResolvedPool, Server } from '../orchestrations/contracts';
import type { PoolMember, PoolRef, RunCommandRequest } from '../ports';
import { runCommandName, runCommandPrefix } from './runNames';
import type { ActivityDeps } from './types';
import { failure, outcome } from './outcome';

const poolRef = (pool: ResolvedPool): PoolRef => ({ kind: pool.kind, resourceId: pool.resourceId, backendPool: pool.backendPool });
const addressOf = (m: { ipAddress?: string; fqdn?: string }): string => m.ipAddress ?? m.fqdn ?? '';
const IP = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]+:[0-9a-f:]*$/i;

/**
 * The members a pool should have after removing and adding addresses: members kept stay exactly
 * as the pool has them (an FQDN member stays `fqdn`); added ones are IPs or FQDNs by their form.
 */
export function nextMembers(current: PoolMember[], remove: string[], add: string[]): PoolMember[] {
  const kept = current.filter((m) => !remove.includes(addressOf(m)));
  const added = add.filter((a) => !current.some((m) => addressOf(m) === a)).map((a): PoolMember => (IP.test(a) ? { ipAddress: a } : { fqdn: a }));
  return [...kept, ...added];
}

/** `{host}` / `{name}` in a check URL become the server's host and name. */
export function expandUrl(url: string, server?: Server): string {
  if (!server) return url;
  return url.replace(/\{host\}/g, server.host).replace(/\{name\}/g, server.name);
}

/** A run command's executionState once it has ended (ComputeRP.json ExecutionState). */
const ENDED = new Set(['Succeeded', 'Failed', 'TimedOut', 'Canceled']);

/** One VM's tidy-up: what it deleted and how many of the window's runs still run, or why it stopped. */
export type TidyOutcome = { vmId: string } & Outcome<{ deleted: string[]; running: number }>;

/** How many reads (operation checks, VM reads) one activity has in flight at once. */
const READ_CONCURRENCY = 8;

/**
 * `fn` over every item, a few at a time, results in the order of the items. Every item runs even
 * when one fails; the first failure in item order is thrown, so which error a caller sees never
 * depends on which answer came first.
 */
export async function eachLimited<I, O>(items: readonly I[], fn: (item: I) => Promise<O>, limit = READ_CONCURRENCY): Promise<O[]> {
  const settled: PromiseSettledResult<O>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        settled[i] = { status: 'fulfilled', value: await fn(items[i]!) };
      } catch (reason) {
        settled[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return settled.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
}

/**
 * One check of each operation, a few at a time (one GET per operation, so every resource still
 * sees its calls in order). A running operation whose token did not change comes back without it:
 * the orchestrator keeps the token it sent, and the history does not store every token twice per poll.
 */
export async function pollEach<T>(tokens: Record<string, string>, poll: (token: string) => Promise<Progress<T>>): Promise<Record<string, Progress<T>>> {
  const entries = Object.entries(tokens);
  const checked = await eachLimited(entries, async ([, token]) => {
    const progress = await poll(token);
    return progress.state === 'running' && progress.resumeToken === token ? ({ state: 'running' } as Progress<T>) : progress;
  });
  return Object.fromEntries(entries.map(([name], i) => [name, checked[i]!]));
}

/** Activities that touch servers and pools: addresses, drains, patches, probes, run command. */
export function estateActivities({ ports, store }: ActivityDeps) {
  /**
   * Deletes this window's finished run commands on one VM (name from runCommandPrefix, execution
   * ended), never a running one or one the window did not name. Idempotent: a retry lists fewer.
   * Never throws: a tidy-up that fails is a warning in the window's summary, not a failure.
   */
  const tidyOne = async (input: { windowId: string; vmId: string }): Promise<Outcome<{ deleted: string[]; running: number }>> => {
    const prefix = runCommandPrefix(input.windowId).toLowerCase();
    const deleted: string[] = [];
    try {
      const ours = (await ports.compute.listRunCommands(input.vmId)).filter((r) => r.name.toLowerCase().startsWith(prefix));
      const ended = ours.filter((r) => ENDED.has(r.executionState));
      for (const run of ended) {
        await ports.compute.beginDeleteRunCommand(input.vmId, run.name);
        deleted.push(run.name);
      }
      return { ok: true, deleted, running: ours.length - ended.length };
    } catch (error) {
      const f = failure(error);
      return { ...f, message: `${deleted.length > 0 ? `deleted ${deleted.length}, then ` : ''}${f.message}` };
    }
  };

  return {
    resolveServers: (input: { servers: Server[] }) =>
      outcome(async () => {
        // Reads only, a few at a time: a 25-server group is 25 VM reads.
        const vms = await eachLimited(input.servers, (server) => ports.compute.getVm(server.vmId));
        const addresses: Record<string, string> = {};
        input.servers.forEach((server, i) => {
          const ip = vms[i]!.privateIp;
          if (!ip) throw Object.assign(new Error(`${server.name} has no private IP address`), { code: 'NoAddress' });
          addresses[server.name] = ip;
        });
        return { addresses };
      }),

    readPool: (input: { pool: ResolvedPool }) => outcome(async () => ({ addresses: (await ports.pools.listMembers(poolRef(input.pool))).map(addressOf) })),

    /** One write that removes and adds members; reads first, so a retry that already landed writes nothing. */
    beginPoolWrite: (input: PoolWriteInput) =>
      outcome(async () => {
        const ref = poolRef(input.pool);
        const current = await ports.pools.listMembers(ref);
        const desired = nextMembers(current, input.remove, input.add);
        const removing = current.filter((m) => input.remove.includes(addressOf(m))).length;
        if (removing > 0 && desired.length < input.pool.floor) {
          throw Object.assign(new Error(`refusing to leave ${desired.length} member(s) in ${input.pool.id}: its floor is ${input.pool.floor}`), { code: 'FloorWouldBreak' });
        }
        const token = await ports.pools.beginSetMembers(ref, desired);
        return { ...(token ? { token } : {}), members: desired.length };
      }),

    pollPoolWrite: async (input: { token: string }): Promise<Progress<{ members: number }>> => {
      const progress = await ports.pools.pollSetMembers(input.token);
      if (progress.state === 'succeeded') return { state: 'succeeded', result: { members: progress.result.members.length } };
      return progress;
    },

    suppressAlerts: async (input: { ruleName: string; scopes: string[]; description: string }) => {
      await ports.alerts.upsertSuppression(input.ruleName, input.scopes, input.description);
      return null;
    },

    liftAlerts: async (input: { ruleName: string }) => {
      await ports.alerts.deleteSuppression(input.ruleName);
      return null;
    },

    /** Starts Azure Update Manager on one server; the token is kept so a retry resumes instead of restarting. */
    beginPatch: (input: PatchBeginInput) =>
      outcome(async () => {
        const mark = `op:${input.key}`;
        const existing = await store.getMark(input.windowId, mark);
        if (existing) return { token: existing };
        const token = await ports.compute.beginInstallPatches(input.server.vmId, input.patch);
        await store.setMark(input.windowId, mark, token);
        return { token };
      }),

    pollPatches: (input: { tokens: Record<string, string> }) => pollEach(input.tokens, (token) => ports.compute.pollInstallPatches(token)),

    beginRunCommand: (input: { windowId: string; key: string; server: Server; request: RunCommandRequest }) =>
      outcome(async () => {
        const mark = `op:${input.key}`;
        const existing = await store.getMark(input.windowId, mark);
        if (existing) return { token: existing };
        const token = await ports.compute.beginRunCommand(input.server.vmId, input.request, runCommandName(input.windowId, input.key));
        await store.setMark(input.windowId, mark, token);
        return { token };
      }),

    pollRunCommands: (input: { tokens: Record<string, string> }) => pollEach(input.tokens, (token) => ports.compute.pollRunCommand(token)),

    /**
     * Deletes this window's finished run commands on each VM (see tidyOne), one VM after another:
     * several VMs a call keep a large window's history small. Never throws.
     */
    tidyRunCommands: async (input: { windowId: string; vmIds: string[]; nodes?: string[] }): Promise<{ ok: true; vms: TidyOutcome[] }> => {
      const vms: TidyOutcome[] = [];
      for (const vmId of input.vmIds) vms.push({ vmId, ...(await tidyOne({ windowId: input.windowId, vmId })) });
      // Machines a take-down names (workers, the scheduled-task box): their VM comes from configuration.
      for (const node of input.nodes ?? []) {
        let vmId: string;
        try {
          vmId = ports.hosts.vmIdOf(node);
        } catch (error) {
          vms.push({ vmId: node, ...failure(error) });
          continue;
        }
        if (!input.vmIds.some((id) => id.toLowerCase() === vmId.toLowerCase())) vms.push({ vmId, ...(await tidyOne({ windowId: input.windowId, vmId })) });
      }
      return { ok: true, vms };
    },

    /** HTTP checks, each retried `attempts` times (servers warm up after a reboot). */
    runProbes: async (input: { server?: Server; checks: HttpCheck[] }): Promise<ProbeOutcome> => {
      const failures: string[] = [];
      for (const check of input.checks) {
        let last = '';
        let passed = false;
        for (let attempt = 0; attempt < check.attempts && !passed; attempt++) {
          const result = await ports.probes.probe({
            url: expandUrl(check.url, input.server),
            method: check.method,
            expectStatus: check.expectStatus,
            ...(check.expectBody !== undefined ? { expectBody: check.expectBody } : {}),
            ...(check.rejectBody !== undefined ? { rejectBody: check.rejectBody } : {}),
            ...(check.expectHeader !== undefined ? { expectHeader: check.expectHeader } : {}),
            timeoutInMs: check.timeoutInMs,
          });
          passed = result.ok;
          last = result.reason ?? `status ${result.status ?? '?'}`;
        }
        if (!passed) failures.push(`${check.name}: ${last}`);
      }
      return { ok: failures.length === 0, failures };
    },
  };
}

