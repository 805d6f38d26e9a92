import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { legendOf } from '../../shared/api/legend';
import { formatAt, humanizeTimes, slipText, zonesOf } from '../../shared/api/times';
import { loadWindowFile } from '../../shared/window/load';
import { formatProblem } from '../../shared/window/problems';
import type { WindowStatusView } from '../../shared/api/windows';

/**
 * On-call commands over the window HTTP API: where a window stands, approve or reject a gate,
 * abort, and the emergency maintenance page. The API does every check (identity, approvers,
 * four-eyes, gate open); these commands only carry the request and say what came back.
 */

export interface ApiOptions {
  url: string;
  key?: string;
  as?: string;
  token?: string;
  json?: boolean;
}

/** Connection options shared by every command; each has an environment variable. */
export function withApiOptions(command: Command): Command {
  return command
    .option('--url <url>', 'the app (MW_API_URL)', process.env.MW_API_URL ?? 'http://127.0.0.1:7071')
    .option('--key <key>', 'function key (MW_FUNCTION_KEY)', process.env.MW_FUNCTION_KEY)
    .option('--as <user>', 'who you are, for a local host (MW_USER; sent as x-mw-user)', process.env.MW_USER)
    .option('--token <token>', 'Entra ID bearer token for App Service authentication (MW_BEARER_TOKEN)', process.env.MW_BEARER_TOKEN)
    .option('--json', 'print the API answer as JSON');
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function request(o: ApiOptions, method: 'GET' | 'POST', route: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (o.key) headers['x-functions-key'] = o.key;
  if (o.as) headers['x-mw-user'] = o.as;
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(new URL(`api/${route}`, o.url.endsWith('/') ? o.url : `${o.url}/`), { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (e) {
    throw new ApiError(0, `cannot reach ${o.url}: ${(e as Error).message}`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: keep the text.
  }
  if (!res.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, error ? `${res.status} ${error.code ?? ''}: ${error.message ?? ''}` : `${res.status}: ${text.slice(0, 300) || res.statusText}`);
  }
  return parsed;
}

/** Runs one command: the answer printed, an API refusal as one line and exit code 1 (2 when unreachable). */
export function run(action: (o: ApiOptions, ...args: string[]) => Promise<string | undefined>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args.at(-1) as Command;
    const o = command.opts<ApiOptions>();
    try {
      const out = await action(o, ...(args.slice(0, -2) as string[]));
      if (out !== undefined) console.log(out);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      console.error(`mw: ${e.message}`);
      process.exitCode = e.status === 0 ? 2 : 1;
    }
  };
}

export function registerOpsCommands(program: Command): void {
  withApiOptions(program.command('windows').description('list windows and their last run')).action(
    run(async (o) => {
      const answer = (await request(o, 'GET', 'windows')) as { windows: { windowId: string; file: string; state: string; startedAt?: string; finishedAt?: string; timeZone?: string; displayZones?: string[] }[] };
      if (o.json) return JSON.stringify(answer, null, 2);
      const when = (w: (typeof answer.windows)[number], iso: string) => formatAt(iso, zonesOf(w));
      return answer.windows.map((w) => `${w.windowId.padEnd(28)} ${w.state.padEnd(12)} ${w.finishedAt ? `finished ${when(w, w.finishedAt)}` : w.startedAt ? `started ${when(w, w.startedAt)}` : w.file}`).join('\n');
    }),
  );

  withApiOptions(program.command('status').description('where a window stands: state, ETA, what runs, who must approve, what is still changed').argument('<window>', 'window id')).action(
    run(async (o, windowId) => {
      const view = (await request(o, 'GET', `windows/${encodeURIComponent(windowId!)}`)) as WindowStatusView;
      return o.json ? JSON.stringify(view, null, 2) : formatStatus(view);
    }),
  );

  for (const decision of ['approve', 'reject'] as const) {
    withApiOptions(program.command(decision).description(`${decision} an approval gate (listed approvers only, never the person who started the window)`).argument('<window>', 'window id').argument('<gate>', 'gate (step) id').option('-m, --comment <text>', 'a comment for the record')).action(
      run(async (o, windowId, gate) => {
        const comment = (o as ApiOptions & { comment?: string }).comment;
        const answer = (await request(o, 'POST', `windows/${encodeURIComponent(windowId!)}/approvals/${encodeURIComponent(gate!)}`, { decision, ...(comment ? { comment } : {}) })) as { by: string };
        return o.json ? JSON.stringify(answer) : `${gate}: ${decision === 'approve' ? 'approval' : 'rejection'} by ${answer.by} recorded`;
      }),
    );
  }

  withApiOptions(program.command('abort').description('stop a window gracefully; the restore ledger puts everything back').argument('<window>', 'window id').requiredOption('-r, --reason <text>', 'why (goes to the record and Slack)')).action(
    run(async (o, windowId) => {
      const reason = (o as ApiOptions & { reason: string }).reason;
      const answer = await request(o, 'POST', `windows/${encodeURIComponent(windowId!)}/abort`, { reason });
      return o.json ? JSON.stringify(answer) : `${windowId}: abort requested (${reason}); follow it with: mw status ${windowId}`;
    }),
  );

  withApiOptions(program.command('publish').description('validate a window file here, then publish it as the window\'s newest revision (platform engineers)').argument('<file>', 'window file (YAML)')).action(
    run(async (o, file) => {
      const loaded = loadWindowFile(file!);
      if (!loaded.window) throw new ApiError(400, `not published, ${loaded.problems.length} problem(s):\n${loaded.problems.map(formatProblem).join('\n')}`);
      const windowId = loaded.window.id;
      const answer = (await request(o, 'POST', `windows/${encodeURIComponent(windowId)}/revisions`, { text: readFileSync(file!, 'utf8'), file: basename(file!) })) as { revision: string; publishedBy: string; publishedAt: string; unchanged: boolean };
      if (o.json) return JSON.stringify(answer);
      return answer.unchanged ? `${windowId}: revision ${answer.revision} is already the latest (published by ${answer.publishedBy})` : `${windowId}: published revision ${answer.revision}; the next start uses it`;
    }),
  );

  withApiOptions(
    program
      .command('page')
      .description('emergency: put a maintenance page up or take it down, through the window\'s own page step and ledger')
      .argument('<window>', 'window id')
      .argument('<page>', 'maintenance page id')
      .argument('<action>', 'up or down')
      .requiredOption('-r, --reason <text>', 'why'),
  ).action(
    run(async (o, windowId, page, action) => {
      if (action !== 'up' && action !== 'down') throw new ApiError(400, `action must be "up" or "down", not "${action ?? ''}"`);
      const reason = (o as ApiOptions & { reason: string }).reason;
      const answer = await request(o, 'POST', `windows/${encodeURIComponent(windowId!)}/maintenance-page/${encodeURIComponent(page!)}`, { action, reason });
      return o.json ? JSON.stringify(answer) : `${windowId}: maintenance page ${page} ${action} requested`;
    }),
  );
}

/** A terminal view of the status page: the glance first, then only what needs a person. Times in the window's zones. */
export function formatStatus(v: WindowStatusView): string {
  const zones = zonesOf(v.details ?? {});
  const at = (iso: string | undefined) => formatAt(iso, zones);
  const human = (text: string) => humanizeTimes(text, zones);
  const lines = [`${v.title} (${v.windowId}): ${v.state.toUpperCase()}`];
  if (v.startedAt) lines.push(`  started ${at(v.startedAt)} by ${v.startedBy ?? '?'}; planned end ${at(v.plannedEndAt)}; ${v.finishedAt ? 'ended' : 'ETA'} ${at(v.eta)} (${slipText(v.slipMinutes)})`);
  if (v.revision) lines.push(`  revision ${v.revision}${v.latestRevision && v.latestRevision.revision !== v.revision ? ` (newer published: ${v.latestRevision.revision}${v.latestRevision.publishedBy ? ` by ${v.latestRevision.publishedBy}` : ''}; the next run uses it)` : ''}`);
  lines.push(`  steps: ${Object.entries(v.counts).map(([k, n]) => `${n} ${legendOf(k).word}`).join(', ') || 'none yet'}`);
  if (v.stopReason) lines.push(`  STOPPED: ${human(v.stopReason)}`);
  // Earlier runs of the same window (rehearsals, a run aborted and started again): the last line is this run.
  if (v.runs.length > 1) {
    lines.push(`  run ${v.runId ?? '?'}, the ${ordinal(v.runs.length)} of this window; earlier:`);
    for (const r of v.runs.slice(0, -1)) lines.push(`    ${r.runId} ${r.mode.padEnd(9)} ${r.state.padEnd(9)} by ${r.startedBy}${r.summary ? `: ${human(r.summary.split('\n')[0]!)}` : ''}`);
  }
  const now = v.steps.filter((s) => ['doing', 'waiting', 'waiting-for-approval'].includes(s.state));
  for (const s of now) lines.push(`  ${legendOf(s.state).word.padEnd(20)} ${s.id}${s.detail ? `: ${human(s.detail)}` : ''}`);
  for (const a of v.approvalsPending) lines.push(`  needs approval       ${a.gate}: ${a.roles.map((r) => `${r.quorum} of ${r.role} (${r.approvers.join(', ')})`).join(' and ')}`);
  const ended = ['succeeded', 'failed', 'aborted'].includes(v.state);
  for (const [page, state] of Object.entries(v.maintenancePages)) {
    lines.push(ended && state === 'up' ? `  MAINTENANCE PAGE ${page} IS STILL UP: customers are kept out until a person takes it down (mw page ${v.windowId} ${page} down -r "why")` : `  maintenance page ${page} is ${state.toUpperCase()}`);
  }
  for (const [set, state] of Object.entries(v.alertSets)) lines.push(`  alerts ${set} are ${state.toUpperCase()}`);
  // Later than the seed's time for them (`expect:`): began late, or still waiting past it.
  for (const s of v.steps.filter((x) => x.lateMinutes)) lines.push(`  later than the seed: ${s.id} ${s.lateMinutes}m after ${at(s.expectedBy)}${s.lateBecause ? ` (planned so: ${s.lateBecause})` : ''}`);
  const deferred = v.steps.filter((s) => s.state === 'deferred');
  if (deferred.length > 0) {
    lines.push(`  deferred to a following window (${deferred.length}):`);
    for (const s of deferred) lines.push(`    ${s.id}${s.tickets.length ? ` (${s.tickets.join(', ')})` : ''}: ${human((s.detail ?? '').replace(/^deferred to a following window: /, ''))}`);
  }
  const out = Object.entries(v.servers).filter(([, s]) => s.state === 'failed');
  if (out.length > 0) lines.push(`  OUT OF THEIR POOLS: ${out.map(([n, s]) => `${n} (${human(s.detail ?? 'failed')})`).join('; ')}`);
  const inFlight = (v.details?.serverGroups ?? []).flatMap((g) => g.servers.filter((s) => s.patch === 'patching').map((s) => s.name));
  if (inFlight.length > 0) lines.push(`  in flight (out of their pools, patching): ${inFlight.join(', ')}`);
  if (v.stillChanged.length > 0) {
    lines.push(`  still changed (${v.stillChanged.length}):`);
    for (const c of v.stillChanged) lines.push(`    ${c.state.padEnd(6)} ${human(c.description)} (${c.step}${c.note ? `: ${human(c.note)}` : ''})`);
  } else if (v.state !== 'not-started') {
    lines.push('  nothing left changed');
  }
  return lines.join('\n');
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${suffix}`;
}
