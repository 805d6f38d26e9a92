/**
 * The rehearsal people: what they answer when a window waits for a person (approvals over HTTP
 * or Slack buttons, manual ticks, canary checkpoints), as a rehearsal scenario says.
 */
import { request as httpsRequest } from 'node:https';
import type { RunningSandbox } from '../sandbox/core/sandbox';
import type { WindowStatusView } from '../shared/api/windows';
import { isTerminal, type RuntimeStatus } from './durable/history';
import type { Rehearsal, Scenario } from './rehearse';

/** Who starts rehearsal runs (a platform engineer in the rehearsal's settings). */
export const STARTER = 'rehearsal-runner';

/**
 * What the people make of a fresh read of the window's status: it ended (its record says so and
 * its orchestration has ended: the orchestration publishes its outcome before its last activity,
 * the finish notice, which a lost reply can send back for a retry); its record was lost (the
 * orchestration ended, so every record it writes was written and acknowledged, yet the record does
 * not say so, and nothing will change it any more); or it is still going.
 */
export function windowEnd(status: Pick<WindowStatusView, 'state' | 'summary' | 'stopReason'>, runtimeStatus: RuntimeStatus | undefined): 'ended' | 'recordLost' | 'going' {
  const recordEnded = ['succeeded', 'failed', 'aborted'].includes(status.state) && Boolean(status.summary || status.stopReason);
  if (recordEnded && !['Running', 'Pending'].includes(runtimeStatus ?? 'Completed')) return 'ended';
  if (runtimeStatus !== undefined && isTerminal(runtimeStatus)) return 'recordLost';
  return 'going';
}

/** A request to the estate's control API (its own CA). */
export function controlRequest(sandbox: RunningSandbox, method: string, route: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(route, sandbox.urls.control);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(url, { method, ca: sandbox.caPem, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** The message asking for a gate's approval, found by its buttons' value in the simulated Slack. */
async function approvalRequest(rehearsal: Rehearsal, windowId: string, gate: string): Promise<{ channel: string; ts: string } | undefined> {
  const state = await controlRequest(rehearsal.sandbox, 'GET', '/_sandbox/state');
  const slack = (JSON.parse(state.body) as { slack: { channels: { id: string; messages: { ts: string; blocks?: { elements?: { value?: string }[] }[] }[] }[] } }).slack;
  for (const channel of slack.channels) {
    const message = channel.messages.find((m) => m.blocks?.some((b) => b.elements?.some((el) => el.value === `${windowId}|${gate}`)));
    if (message) return { channel: channel.id, ts: message.ts };
  }
  return undefined;
}

/** A person clicks a button in Slack; returns the app's answer status, or the estate's refusal. */
async function click(rehearsal: Rehearsal, body: { channel: string; ts: string; user: string; actionId: string; forgeSignature?: boolean; timestampOffsetSeconds?: number }): Promise<string> {
  const r = await controlRequest(rehearsal.sandbox, 'POST', '/_sandbox/slack/click', body);
  if (r.status !== 200) return `estate ${r.status}: ${r.body}`;
  return `app ${(JSON.parse(r.body) as { status: number }).status}`;
}

/** What must not count: a forged signature, a replay ten minutes late, someone who may not approve. */
async function slackProbes(rehearsal: Rehearsal, request: { channel: string; ts: string }, approvers: string[]): Promise<string[]> {
  const outsider = Object.entries(rehearsal.people).find(([id, p]) => p.slack && !approvers.includes(id));
  const someone = rehearsal.people[approvers[0] ?? '']?.slack ?? 'U0NOBODY01';
  return [
    `forged click ${await click(rehearsal, { ...request, user: someone, actionId: 'mw-approve', forgeSignature: true })}`,
    `replayed click ${await click(rehearsal, { ...request, user: someone, actionId: 'mw-approve', timestampOffsetSeconds: -600 })}`,
    ...(outsider ? [`${outsider[0]} (not an approver) clicked approve: ${await click(rehearsal, { ...request, user: outsider[1].slack!, actionId: 'mw-approve' })}`] : []),
  ];
}

/**
 * Answers what the window waits for, as rehearsal people; returns what it did. A person who
 * answers later (a slow manual tick) says when through `wakeAt`, so time can skip to that moment.
 */
export async function answerPending(
  rehearsal: Rehearsal,
  status: WindowStatusView,
  answered: Set<string>,
  ask?: (question: string) => Promise<boolean>,
  scenario: Scenario = {},
  wakeAt: (virtualMs: number) => void = () => undefined,
): Promise<string[]> {
  const done: string[] = [];
  for (const gate of status.approvalsPending) {
    const plan = scenario.approvals?.[gate.gate] ?? 'approve';
    if (plan === 'ignore') continue;
    for (const role of gate.roles) {
      for (const approver of role.approvers.filter((a) => a !== STARTER).slice(0, role.quorum)) {
        const key = `approval:${gate.gate}:${approver}`;
        if (answered.has(key)) continue;
        answered.add(key);
        const approve = ask ? await ask(`Approve ${gate.gate} (${gate.title}) as ${approver}?`) : plan === 'approve';
        const slackId = rehearsal.people[approver]?.slack;
        // An approver without a Slack id answers over HTTP, as such a person would.
        if (scenario.approvalsVia === 'slack' && slackId) {
          const request = await approvalRequest(rehearsal, status.windowId, gate.gate);
          if (!request) {
            answered.delete(key); // not posted yet: try again on the next tick
            continue;
          }
          if (scenario.slackProbes && !answered.has(`probes:${gate.gate}`)) {
            answered.add(`probes:${gate.gate}`);
            done.push(...(await slackProbes(rehearsal, request, gate.roles.flatMap((r) => r.approvers))));
          }
          const r = await click(rehearsal, { ...request, user: slackId, actionId: approve ? 'mw-approve' : 'mw-reject' });
          done.push(`${approver} ${approve ? 'approved' : 'rejected'} ${gate.gate} in Slack (${r})`);
          continue;
        }
        const r = await rehearsal.api('POST', `windows/${status.windowId}/approvals/${gate.gate}`, approver, { decision: approve ? 'approve' : 'reject', comment: 'rehearsal' });
        done.push(`${approver} ${approve ? 'approved' : 'rejected'} ${gate.gate} (${r.status})`);
      }
    }
  }
  for (const step of status.steps.filter((s) => s.kind === 'manual' && s.state === 'doing' && s.detail?.startsWith('waiting for a person'))) {
    const key = `manual:${step.id}`;
    const given = scenario.manual?.[step.id] ?? 'done';
    if (answered.has(key) || given === 'ignore') continue;
    // A slow person: the step has been waiting since its last record (`at`), on the host's virtual clock.
    if (typeof given === 'object' && step.at) {
      const due = Date.parse(step.at) + given.afterMinutes * 60_000;
      if (rehearsal.host.clock.now() < due) {
        wakeAt(due);
        continue;
      }
    }
    const plan = typeof given === 'object' ? (given.outcome ?? 'done') : given;
    answered.add(key);
    const ok = ask ? await ask(`Mark manual step ${step.id} (${step.title}) done?`) : plan === 'done';
    // The step's assignee ticks it (only they may); an unassigned step is the runner's.
    const r = await rehearsal.api('POST', `windows/${status.windowId}/steps/${step.id}/complete`, step.assignees?.[0] ?? STARTER, { outcome: ok ? 'done' : 'failed', note: 'rehearsal' });
    done.push(`ticked ${step.id} ${ok ? 'done' : 'failed'} (${r.status})`);
  }
  for (const step of status.steps.filter((s) => s.kind === 'canary' && s.state === 'doing')) {
    // The step says which checkpoint is open; each team answers every checkpoint once.
    const checkpoint = /^checkpoint (\d+)/.exec(step.detail ?? '')?.[1];
    if (!checkpoint) continue;
    for (const team of rehearsal.canaryTeams(step.id)) {
      const plan = scenario.canary?.[team.id] ?? { ok: true, note: 'looks good' };
      const key = `canary:${step.id}:${checkpoint}:${team.id}`;
      if (plan === 'silent' || answered.has(key)) continue;
      answered.add(key);
      const r = await rehearsal.api('POST', `windows/${status.windowId}/canary/${step.id}/answers`, team.members[0] ?? STARTER, { team: team.id, ok: plan.ok, ...(plan.note ? { note: plan.note } : {}) });
      done.push(`${team.id} answered checkpoint ${checkpoint} ${plan.ok ? 'ok' : 'not ok'} (${r.status})`);
    }
  }
  return done;
}
