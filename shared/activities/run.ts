import type { LedgerEntry, NotifyInput, RecordStepInput, StepState, WindowInput } from '../orchestrations/contracts';
import { loadWindowText } from '../window/load';
import { planWindow } from '../window/plan';
import { formatProblem } from '../window/problems';
import { compileRunbook, revisionOf } from '../window/runbook';
import { hasIsoInstant, humanizeTimes, zonesOf } from '../api/times';
import type { ActivityDeps } from './types';
import { outcome } from './outcome';

/** Activities about the run itself: prepare, record, notify, ledger bookkeeping. */
export function runActivities({ store, windows, ports }: ActivityDeps) {
  /** Notices are for people: an ISO instant in one becomes a time in the window's zones (orchestrators cannot format). */
  const forPeople = async (windowId: string, text: string): Promise<string> => {
    if (!hasIsoInstant(text)) return text;
    const run = await store.getRun(windowId);
    const runbook = run ? await store.getRunbook(windowId, run.revision) : undefined;
    return humanizeTimes(text, zonesOf(runbook ?? {}));
  };
  return {
    /** Validates, plans and compiles the window file and opens a fresh record for the run. */
    prepareRun: (input: WindowInput & { instanceId: string; runId: string; at: string }) =>
      outcome(async () => {
        // The revision chosen when the run was started: a later publish never changes a run.
        const found = input.revision ? await windows.readRevision(input.windowId, input.revision) : await windows.read(input.windowId);
        if (!found) throw Object.assign(new Error(input.revision ? `window "${input.windowId}" has no revision ${input.revision}` : `no window file declares id "${input.windowId}"`), { code: 'WindowNotFound' });
        const loaded = loadWindowText(found.text, found.file);
        if (!loaded.window) {
          throw Object.assign(new Error(`the window file has problems: ${loaded.problems.slice(0, 5).map(formatProblem).join(' | ')}`), { code: 'WindowInvalid' });
        }
        const revision = revisionOf(found.text);
        const existing = await store.getRun(input.windowId);
        // A retried prepare of the same run keeps the record; a new run starts clean (but for what is still changed).
        if (existing?.runId !== input.runId) await store.resetRun(input.windowId);
        const runbook = compileRunbook(loaded.window, planWindow(loaded.window, { recommend: false }), revision);
        await store.saveRunbook(runbook);
        await store.upsertRun({ windowId: input.windowId, runId: input.runId, instanceId: input.instanceId, revision, startedBy: input.startedBy, mode: input.mode, state: 'running', startedAt: input.at, finishedAt: '', summary: '' });
        return { runbook };
      }),

    recordStepState: async (input: RecordStepInput) => {
      await store.setStepState(input.windowId, { stepId: input.stepId, state: input.state, at: input.at, ...(input.detail ? { detail: input.detail } : {}) });
      return null;
    },

    recordRunState: async (input: { windowId: string; runId: string; state: string; at: string; summary: string }) => {
      await store.upsertRun({ windowId: input.windowId, runId: input.runId, state: input.state, finishedAt: input.at, summary: input.summary });
      return null;
    },

    recordEvent: async (input: { windowId: string; stepId: string; type: string; at: string; data: unknown }) => {
      await store.appendEvent(input.windowId, { stepId: input.stepId, type: input.type, at: input.at, data: input.data });
      return null;
    },

    readStepStates: async (input: { windowId: string; stepIds: string[] }): Promise<Record<string, StepState | undefined>> => {
      const all = await store.getStepStates(input.windowId);
      return Object.fromEntries(input.stepIds.map((id) => [id, all[id]?.state]));
    },

    /** Posts once per channel per key: a retried activity does not post twice. */
    notify: async (input: NotifyInput) => {
      const posted: string[] = [];
      for (const channel of input.channels) {
        const mark = `msg:${input.key}@${channel}`;
        if (await store.getMark(input.windowId, mark)) continue;
        // Posted by whoever claims it first; a claim whose post failed is given back for the retry.
        if (input.once && !(await store.claimMark(input.windowId, `claim:${mark}`, 'posting'))) continue;
        let message: { ts: string };
        try {
          const sections = input.sections ? await Promise.all(input.sections.map((t) => forPeople(input.windowId, t))) : undefined;
          const text = await forPeople(input.windowId, input.text);
          // Look before posting: an earlier attempt whose answer was lost (a connection reset after
          // Slack stored the message) left it in the channel after the baseline it recorded.
          const tried = await store.getMark(input.windowId, `try:${mark}`);
          let found = tried === undefined ? undefined : await ports.chat.findPosted(channel, text, tried);
          // A notice several steps may post (a phase's) is looked for by its prefix: another step's
          // post, whose reply was lost (since the baseline it recorded) or whose records storage
          // lost (since the run began), carries other words after it and must not be posted twice.
          if (!found && input.adopt) found = await ports.chat.findPosted(channel, { prefix: await forPeople(input.windowId, input.adopt.prefix) }, tried ?? slackTsOf(input.adopt.since));
          if (tried === undefined) await store.setMark(input.windowId, `try:${mark}`, await ports.chat.latestTs(channel));
          message = found ?? (await ports.chat.postMessage(channel, text, { ...(input.buttons ? { buttons: input.buttons } : {}), ...(sections ? { sections } : {}) }));
        } catch (error) {
          if (input.once) await store.clearMark(input.windowId, `claim:${mark}`);
          throw error;
        }
        await store.setMark(input.windowId, mark, message.ts);
        posted.push(channel);
      }
      return { posted };
    },

    closeNotice: async (input: { windowId: string; key: string; channels: string[]; text: string }) => {
      const closed: string[] = [];
      for (const channel of input.channels) {
        const ts = await store.getMark(input.windowId, `msg:${input.key}@${channel}`);
        // Never posted (no channel then, or it failed): nothing to close.
        if (!ts) continue;
        await ports.chat.updateMessage(channel, ts, await forPeople(input.windowId, input.text));
        closed.push(channel);
      }
      return { closed };
    },

    /** `replace`: the entry's inverse grew (a roll-out batch by batch); otherwise a retry never overwrites it. */
    recordLedgerEntry: async (input: { windowId: string; entry: LedgerEntry; replace?: boolean }) => {
      if (input.replace) await store.putLedger(input.windowId, input.entry);
      else await store.addLedger(input.windowId, input.entry);
      return null;
    },

    listLedger: (input: { windowId: string }) => store.listLedger(input.windowId),

    settleLedgerEntry: async (input: { windowId: string; key: string; state: LedgerEntry['state']; note?: string }) => {
      await store.settleLedger(input.windowId, input.key, input.state, input.note);
      return null;
    },
  };
}

/** A Slack ts a second before `iso` (conversations.history's `oldest` is exclusive). */
function slackTsOf(iso: string): string {
  return `${Math.floor(Date.parse(iso) / 1000) - 1}.000000`;
}
