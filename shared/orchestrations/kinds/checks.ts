import type { Task } from 'durable-functions';
import type { Outcome, ProbeOutcome, Server } from '../contracts';
import { Activities } from '../names';
import { RetryPolicies } from '../retry';
import { aborted, call, failed, keyOf, monitor, notify, ok, runPipelineToEnd, type KindRunner, type StepContext } from './common';
import { runPage } from './page';

interface CommandOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Smoke, regression and connection tests: HTTP checks, then the test pipeline if any. A failure
 * with `onFailure: page-up` puts the pages taken down before the test back up at once (seed 002:
 * "If issues are detected we can put the Maintenance Page back up in an emergency").
 */
export const runTest: KindRunner<'test'> = function* (sc, spec) {
  const result = yield* test(sc, spec);
  if (result.state !== 'failed' || !spec.pageUpOnFailure?.length) return result;
  const back: string[] = [];
  for (const page of spec.pageUpOnFailure) {
    const up = yield* runPage(sc, page);
    back.push(up.state === 'done' ? `maintenance page ${page.page} put back UP` : `maintenance page ${page.page} could NOT be put back up (${up.summary})`);
  }
  yield* notify(sc, sc.input.failureChannels, `:rotating_light: ${sc.input.step.title} (${sc.input.step.id}) failed, so (onFailure: page-up) ${back.join('; ')}.`, 'page-up');
  return failed(sc, `${result.summary}; onFailure: ${back.join('; ')}`);
};

const test: KindRunner<'test'> = function* (sc, spec) {
  const notes: string[] = [];
  if (spec.checks.length > 0) {
    const probe = (yield call(sc, Activities.runProbes, { checks: spec.checks }, RetryPolicies.vendorRead())) as ProbeOutcome;
    if (!probe.ok) return failed(sc, `${spec.suite} checks failed: ${probe.failures.join('; ')}`);
    notes.push(`${spec.checks.length} check(s) passed`);
  }
  if (spec.pipeline) {
    const run = yield* runPipelineToEnd(sc, spec.pipeline, keyOf(sc, 'tests'));
    if (run.aborted) return aborted(sc, 'while the test pipeline ran');
    if (run.error) return failed(sc, `${spec.suite} tests: ${run.error}`);
    notes.push(`${spec.pipeline.name} run ${run.runId} passed`);
  }
  return ok(sc, `${spec.suite} tests passed${spec.target ? ` on ${spec.target}` : ''}: ${notes.join(', ') || 'nothing to run'}`);
};

/** A script on servers through run command, all at once or one after another. */
export const runScript: KindRunner<'script'> = function* (sc, spec) {
  const groups = spec.serial ? spec.targets.map((t) => [t]) : [spec.targets];
  const lines: string[] = [];
  for (const group of groups) {
    const result = yield* runOnServers(sc, group, spec.script, spec.shell, spec.parameters, 'script');
    if (result.aborted) return aborted(sc, 'while the script ran');
    lines.push(...result.lines);
    if (result.failed.length > 0) return failed(sc, `script failed on ${result.failed.join('; ')}`);
  }
  return ok(sc, `script ran on ${spec.targets.map((t) => t.name).join(', ')}${lines.length ? `: ${lines.join(' | ').slice(0, 300)}` : ''}`);
};

/** Runs one script on several servers and waits; failures name the server and why. */
export function* runOnServers(
  sc: StepContext,
  servers: Server[],
  script: string[],
  shell: 'powershell' | 'shell',
  parameters: Record<string, string>,
  purpose: string,
): Generator<Task, { aborted: boolean; failed: string[]; lines: string[] }, unknown> {
  const started = (yield sc.context.df.Task.all(
    servers.map((s) => call(sc, Activities.beginRunCommand, { windowId: sc.input.windowId, key: keyOf(sc, purpose, s.name), server: s, request: { script, shell, parameters } })),
  )) as Outcome<{ token: string }>[];
  const failedOn: string[] = [];
  const tokens: Record<string, string> = {};
  started.forEach((s, i) => {
    if (s.ok) tokens[servers[i]!.name] = s.token;
    else failedOn.push(`${servers[i]!.name}: ${s.message}`);
  });
  const deadline = new Date(sc.context.df.currentUtcDateTime.getTime() + 90 * 60_000);
  const watched = yield* monitor<CommandOutcome>(sc, Activities.pollRunCommands, tokens, deadline);
  if (watched.aborted) return { aborted: true, failed: failedOn, lines: [] };
  const lines: string[] = [];
  for (const name of watched.timedOut) failedOn.push(`${name}: still running after 90m`);
  for (const [name, progress] of Object.entries(watched.outcomes)) {
    if (progress.state === 'failed') failedOn.push(`${name}: ${progress.message}`);
    else if (progress.state === 'succeeded' && progress.result.exitCode !== 0) failedOn.push(`${name}: exit ${progress.result.exitCode} ${progress.result.stderr.slice(0, 200)}`);
    else if (progress.state === 'succeeded' && progress.result.stdout.trim()) lines.push(`${name}: ${progress.result.stdout.trim().slice(0, 120)}`);
  }
  return { aborted: false, failed: failedOn, lines };
}
