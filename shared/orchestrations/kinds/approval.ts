import type { Task } from 'durable-functions';
import { Activities, Events, SlackActions } from '../names';
import { RetryPolicies } from '../retry';
import { nowIso, untilAborted } from '../waits';
import { aborted, ask, call, failed, noticeKey, notify, ok, type KindRunner } from './common';

/** What the HTTP approval endpoint raises after checking identity, listing and four-eyes. */
export interface ApprovalDecision {
  by: string;
  decision: 'approve' | 'reject';
  comment?: string;
  at: string;
  /** How it came: the HTTP API or a Slack button. */
  via?: 'http' | 'slack';
}

/**
 * An approval gate: quorum per role from the listed approvers, never the person who
 * started the window; a timeout rejects, approves or escalates (notify and wait again).
 */
export const runApproval: KindRunner<'approval'> = function* (sc, spec) {
  const result = yield* decideGate(sc, spec);
  if (spec.channels.length > 0) {
    // The request in Slack says how it ended and loses its buttons: nobody answers a closed gate.
    const icon = result.state === 'done' ? ':white_check_mark:' : ':no_entry:';
    try {
      yield call(
        sc,
        Activities.closeNotice,
        { windowId: sc.input.windowId, key: noticeKey(sc, 'request'), channels: spec.channels, text: `${icon} Approval for ${sc.input.step.title} (${sc.input.step.id}) is closed: ${result.summary}.` },
        RetryPolicies.chat(),
      );
    } catch {
      // Slack being down must not change the gate's outcome; a late click is refused by the API anyway.
    }
  }
  return result;
};

const decideGate: KindRunner<'approval'> = function* (sc, spec) {
  const { context, input } = sc;
  const listed = new Set(spec.roles.flatMap((r) => r.approvers));
  const approvals = new Map<string, ApprovalDecision>();
  const wanted = spec.roles.map((r) => `${r.quorum} of ${r.role} (${r.approvers.join(', ')})`).join(' and ');
  // Approvers answer with the buttons (Slack interactivity) or over HTTP; the text says how.
  const value = `${input.windowId}|${input.step.id}`;
  yield* ask(
    sc,
    spec.channels,
    `:lock: Approval needed for ${input.step.title} (${input.step.id}): ${spec.message}. Needs ${wanted}; times out in ${spec.timeoutMinutes}m (${spec.onTimeout}). Answer with the buttons or POST /api/windows/${input.windowId}/approvals/${input.step.id}.`,
    [
      { actionId: SlackActions.approve, text: 'Approve', value, style: 'primary' },
      { actionId: SlackActions.reject, text: 'Reject', value, style: 'danger' },
    ],
    'request',
  );
  yield* sc.record('waiting-for-approval', `needs ${wanted}`);

  let escalations = 0;
  let deadline = new Date(context.df.currentUtcDateTime.getTime() + spec.timeoutMinutes * 60_000);
  // Each decision waiter goes into one race only and is kept until it fires: yielded again
  // while open it would get a second slot and swallow a later decision. One that lost a race
  // (to the timeout) may still take a decision, which is read from it first.
  const waiters: Task[] = [];
  for (;;) {
    let event = waiters.find((w) => w.isCompleted);
    if (!event) {
      const fresh = context.df.waitForExternalEvent(Events.approval);
      waiters.push(fresh);
      const timer = context.df.createTimer(deadline);
      const waited = yield* untilAborted<Task>(context, sc.abort, context.df.Task.any([fresh, timer]));
      if (waited.aborted) {
        timer.cancel();
        return aborted(sc, 'while waiting for approval');
      }
      if (waited.value === timer) {
        if (spec.onTimeout === 'approve') return ok(sc, `approved by timeout after ${spec.timeoutMinutes}m (onTimeout: approve)`);
        if (spec.onTimeout === 'reject' || !spec.escalateTo || escalations >= spec.maxEscalations) {
          return failed(sc, `no approval within ${spec.timeoutMinutes * (escalations + 1)}m (onTimeout: ${spec.onTimeout}${escalations > 0 ? `, ${escalations} escalation(s)` : ''})`);
        }
        escalations++;
        deadline = new Date(context.df.currentUtcDateTime.getTime() + spec.timeoutMinutes * 60_000);
        yield* notify(
          sc,
          spec.channels,
          `:rotating_light: Escalation ${escalations}/${spec.maxEscalations}: ${input.step.title} still needs ${wanted}. ${spec.escalateTo.role} (${spec.escalateTo.approvers.join(', ')}), please act.`,
          'escalate',
          escalations,
        );
        continue;
      }
      timer.cancel();
      event = fresh;
    }
    waiters.splice(waiters.indexOf(event), 1);
    const decision = event.result as ApprovalDecision;
    // The endpoint checked these; checking again keeps the gate sound whoever raised the event.
    const valid = listed.has(decision.by) && decision.by !== input.startedBy;
    yield call(
      sc,
      Activities.recordEvent,
      { windowId: input.windowId, stepId: input.step.id, type: 'approval', at: nowIso(context), data: { ...decision, counted: valid } },
      RetryPolicies.store(),
    );
    if (!valid) continue;
    if (decision.decision === 'reject') return failed(sc, `rejected by ${decision.by}${decision.comment ? `: ${decision.comment}` : ''}`);
    approvals.set(decision.by, decision);
    const met = spec.roles.every((r) => r.approvers.filter((a) => approvals.has(a)).length >= r.quorum);
    if (met) return ok(sc, `approved by ${[...approvals.keys()].join(', ')}`);
  }
};
