import type { ResolvedPipeline } from '../orchestrations/contracts';
import type { ActivityDeps } from './types';
import { outcome } from './outcome';

/** Pipeline runs: one start per key (a retry finds the run it already started). */
export function pipelineActivities({ ports, store }: ActivityDeps) {
  return {
    startPipeline: (input: { windowId: string; key: string; pipeline: ResolvedPipeline }) =>
      outcome(async () => {
        const mark = `run:${input.key}`;
        const existing = await store.getMark(input.windowId, mark);
        if (existing) return JSON.parse(existing) as { runId: number; pipelineId: number };
        const p = input.pipeline;
        const pipelineId = p.pipelineId ?? (await ports.pipelines.findPipelineId(p.project, p.name));
        if (pipelineId === undefined) throw Object.assign(new Error(`pipeline "${p.name}" not found in project ${p.project}`), { code: 'PipelineNotFound' });
        const request = { project: p.project, pipelineName: p.name, pipelineId, stages: p.stages, ...(p.refName ? { refName: p.refName } : {}), parameters: p.parameters };
        // Look before starting: an earlier attempt whose answer was lost (a connection reset after
        // DevOps queued the run) left a run newer than the baseline it recorded, with our ref and parameters.
        const tried = await store.getMark(input.windowId, `try:${mark}`);
        const adopted = tried === undefined ? undefined : await ports.pipelines.findStartedRun(request, Number(tried));
        if (tried === undefined) await store.setMark(input.windowId, `try:${mark}`, String(await ports.pipelines.latestRunId(p.project, pipelineId)));
        const run = adopted ?? (await ports.pipelines.runPipeline(request));
        const started = { runId: run.runId, pipelineId, ...(run.url ? { url: run.url } : {}) };
        await store.setMark(input.windowId, mark, JSON.stringify(started));
        return started;
      }),

    getPipelineRun: (input: { project: string; pipelineId: number; runId: number }) => ports.pipelines.getRun(input.project, input.pipelineId, input.runId),
  };
}
