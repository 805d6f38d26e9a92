import type { Command } from 'commander';
import { legendOf } from '../../shared/api/legend';
import { formatAt, humanizeTimes, slipText, zonesOf } from '../../shared/api/times';
import type { WindowStatusView } from '../../shared/api/windows';
import { ApiError, request, run, withApiOptions, type ApiOptions } from './ops';

/**
 * On-call commands for the hours of a window: `mw watch` (a live, compact view that redraws in
 * place on a terminal, and prints a line per change when piped), `mw canary answer` (a team's
 * checkpoint answer) and `mw report` (the window report, Markdown or HTML).
 */

const FINISHED = ['succeeded', 'failed', 'aborted'];

/** The watch view: a handful of lines that fit a terminal, every time in the window's zones. */
export function formatWatch(v: WindowStatusView): string[] {
  const zones = zonesOf(v.details ?? {});
  const at = (iso: string | undefined) => formatAt(iso, zones);
  const finished = FINISHED.includes(v.state);
  const lines = [`${v.title} (${v.windowId}) ${v.state.toUpperCase()}${v.details && !finished ? ` · now ${at(v.details.now)}` : ''}`];
  if (v.startedAt) lines.push(`${finished ? 'ended' : 'ETA'} ${at(v.eta)} (${slipText(v.slipMinutes)}) · planned end ${at(v.plannedEndAt)}`);
  lines.push(`steps: ${Object.entries(v.counts).map(([k, n]) => `${n} ${legendOf(k).word}`).join(', ') || 'none yet'}`);
  if (v.stopReason) lines.push(`STOPPED: ${humanizeTimes(v.stopReason, zones)}`);
  for (const s of v.steps.filter((x) => ['doing', 'waiting-for-approval'].includes(x.state))) {
    lines.push(`  ${legendOf(s.state).mark} ${legendOf(s.state).word} ${s.id}${s.detail ? ` — ${humanizeTimes(s.detail, zones)}` : ''}`);
  }
  for (const g of v.details?.serverGroups ?? []) {
    const by = (k: string) => g.servers.filter((s) => s.patch === k).map((s) => s.name);
    const parts = [`${by('patched').length} patched`];
    if (by('patching').length) parts.push(`${by('patching').length} in flight (${by('patching').join(', ')})`);
    if (by('failed').length) parts.push(`${by('failed').length} failed (${by('failed').join(', ')})`);
    if (by('pending').length) parts.push(`${by('pending').length} not started`);
    lines.push(`servers ${g.group}: ${parts.join(', ')}`);
  }
  const flags = [...Object.entries(v.maintenancePages).map(([p, s]) => `page ${p} ${s.toUpperCase()}`), ...Object.entries(v.alertSets).map(([a, s]) => `alerts ${a} ${s.toUpperCase()}`)];
  if (flags.length) lines.push(flags.join(' · '));
  if (v.stillChanged.length) lines.push(`still changed: ${v.stillChanged.length} (mw status ${v.windowId})`);
  return lines;
}

/** One line for plain output: what changed is what a person reads in a log. */
export function watchLine(v: WindowStatusView): string {
  const zones = zonesOf(v.details ?? {});
  const doing = v.steps.filter((x) => ['doing', 'waiting-for-approval'].includes(x.state)).map((x) => (x.state === 'doing' ? x.id : `${x.id} (waiting for approval)`));
  const inFlight = (v.details?.serverGroups ?? []).reduce((n, g) => n + g.servers.filter((s) => s.patch === 'patching').length, 0);
  const done = v.counts.done ?? 0;
  return [
    `[${formatAt(v.details?.now, zones)}] ${v.state}`,
    `done ${done}/${v.steps.length}`,
    ...(doing.length ? [`doing ${doing.join(', ')}`] : []),
    ...(inFlight ? [`${inFlight} in flight`] : []),
    `${FINISHED.includes(v.state) ? 'ended' : 'ETA'} ${formatAt(v.eta, zones)} (${slipText(v.slipMinutes)})`,
  ].join(' · ');
}

export function registerLiveCommands(program: Command): void {
  withApiOptions(
    program
      .command('watch')
      .description('follow a window live: redraws in place on a terminal, one line per change otherwise; ends when the window does')
      .argument('<window>', 'window id')
      .option('-i, --interval <seconds>', 'seconds between looks', (v) => Math.max(1, Number(v) || 10), 10)
      .option('--plain', 'one line per change even on a terminal'),
  ).action(
    run(async (o, windowId) => {
      const options = o as ApiOptions & { interval: number; plain?: boolean };
      const tty = Boolean(process.stdout.isTTY) && !options.plain && !options.json;
      let last = '';
      for (;;) {
        const view = (await request(o, 'GET', `windows/${encodeURIComponent(windowId!)}`)) as WindowStatusView;
        const finished = FINISHED.includes(view.state) || view.state === 'not-started';
        if (options.json) {
          process.stdout.write(`${JSON.stringify(view)}\n`);
        } else if (tty) {
          // Home, clear to the end: the view redraws in place instead of scrolling.
          process.stdout.write(`\x1b[H\x1b[J${formatWatch(view).join('\n')}\n`);
        } else {
          const line = watchLine(view);
          const key = line.replace(/^\[[^\]]*\] /, '');
          if (key !== last) process.stdout.write(`${line}\n`);
          last = key;
        }
        if (finished) {
          if (view.state !== 'succeeded' && view.state !== 'not-started') process.exitCode = 1;
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, options.interval * 1000));
      }
    }),
  );

  const canary = program.command('canary').description('canary checkpoints');
  withApiOptions(
    canary
      .command('answer')
      .description("a team's answer at the open checkpoint of a canary step")
      .argument('<window>', 'window id')
      .argument('<step>', 'canary step id')
      .requiredOption('--team <team>', 'the team answering')
      .option('--ok', 'all good for this team')
      .option('--not-ok', 'not good: the canary should come out')
      .option('-m, --note <text>', 'what the team saw'),
  ).action(
    run(async (o, windowId, step) => {
      const options = o as ApiOptions & { team: string; ok?: boolean; notOk?: boolean; note?: string };
      if (Boolean(options.ok) === Boolean(options.notOk)) throw new ApiError(400, 'say --ok or --not-ok (one of them)');
      const answer = await request(o, 'POST', `windows/${encodeURIComponent(windowId!)}/canary/${encodeURIComponent(step!)}/answers`, { team: options.team, ok: Boolean(options.ok), ...(options.note ? { note: options.note } : {}) });
      return o.json ? JSON.stringify(answer) : `${step}: ${options.team} answered ${options.ok ? 'ok' : 'NOT OK'}`;
    }),
  );

  withApiOptions(
    program
      .command('report')
      .description('the window report of a run (the last one unless --run): Markdown, or HTML with --html')
      .argument('<window>', 'window id')
      .option('--run <run>', 'run id (14 digits, from the status page or the finish notice)', 'latest')
      .option('--md', 'Markdown (the default)')
      .option('--html', 'HTML'),
  ).action(
    run(async (o, windowId) => {
      const options = o as ApiOptions & { run: string; md?: boolean; html?: boolean };
      if (options.md && options.html) throw new ApiError(400, 'say --md or --html, not both');
      const text = await request(o, 'GET', `windows/${encodeURIComponent(windowId!)}/runs/${encodeURIComponent(options.run)}/report.${options.html ? 'html' : 'md'}`);
      return String(text).replace(/\n$/, '');
    }),
  );
}
