import { z } from 'zod';

/** Final result of a run, as Azure DevOps names it on the wire. */
export const DevOpsRunResult = z.enum(['succeeded', 'failed', 'canceled']);
export type DevOpsRunResult = z.infer<typeof DevOpsRunResult>;

/** One YAML pipeline as the estate declares it: its stages (with virtual durations) and how runs end. */
export const DevOpsEstatePipeline = z
  .object({
    id: z.number().int().positive(),
    name: z.string().min(1),
    folder: z.string().default('\\'),
    repository: z.string().min(1),
    defaultBranch: z.string().regex(/^refs\/heads\//, 'a full ref such as refs/heads/main').default('refs/heads/main'),
    /** Tags that exist in the repository; when given, runs on any other tag fail to resolve. */
    tags: z.array(z.string().min(1)).optional(),
    /** Declared template parameters; when given, runs naming any other parameter are rejected. */
    parameters: z.array(z.string().min(1)).optional(),
    stages: z.array(z.object({ name: z.string().min(1), minutes: z.number().positive().default(5) }).strict()).min(1),
    outcome: DevOpsRunResult.default('succeeded'),
    /** Stage that fails (or is canceled) when the outcome is not `succeeded`; default: the last stage that runs. */
    failStage: z.string().optional(),
    /** Outcome by ref, e.g. a known-bad tag: `refs/tags/0.2.2: failed`. */
    outcomesByRef: z.record(z.string(), DevOpsRunResult).default({}),
  })
  .strict();
export type DevOpsEstatePipeline = z.infer<typeof DevOpsEstatePipeline>;

/** The `devops:` section of the estate YAML. */
export const DevOpsEstate = z
  .object({
    organization: z.string().regex(/^[A-Za-z0-9-]+$/, 'an organization name (letters, digits, hyphens)'),
    /** Personal access tokens accepted with Basic auth. */
    pats: z.array(z.object({ name: z.string().min(1), value: z.string().min(8) }).strict()).min(1),
    projects: z
      .array(z.object({ name: z.string().min(1), id: z.string().uuid().optional(), pipelines: z.array(DevOpsEstatePipeline).min(1) }).strict())
      .min(1),
  })
  .strict()
  .superRefine((e, ctx) => {
    const ids = new Set<number>();
    e.projects.forEach((p, i) =>
      p.pipelines.forEach((pl, j) => {
        if (ids.has(pl.id)) ctx.addIssue({ code: 'custom', path: ['projects', i, 'pipelines', j, 'id'], message: `duplicate pipeline id ${pl.id}` });
        ids.add(pl.id);
        const names = pl.stages.map((s) => s.name);
        if (pl.failStage && !names.includes(pl.failStage)) {
          ctx.addIssue({ code: 'custom', path: ['projects', i, 'pipelines', j, 'failStage'], message: `no stage named ${pl.failStage}` });
        }
      }),
    );
  });
export type DevOpsEstate = z.infer<typeof DevOpsEstate>;

/** A run as stored: the request as received plus what the simulator decided at creation. */
export const StoredRun = z.object({
  id: z.number(),
  /** Creation order across all pipelines (1, 2, ...), for dependency-order assertions. */
  seq: z.number(),
  name: z.string(),
  project: z.string(),
  pipelineId: z.number(),
  pipelineName: z.string(),
  refName: z.string(),
  version: z.string(),
  createdMs: z.number(),
  stages: z.array(z.object({ name: z.string(), minutes: z.number(), skipped: z.boolean() })),
  stagesToSkip: z.array(z.string()),
  templateParameters: z.record(z.string(), z.string()),
  variables: z.record(z.string(), z.object({ value: z.string().optional(), isSecret: z.boolean().optional() })),
  outcome: DevOpsRunResult,
  failStage: z.string().optional(),
  canceledMs: z.number().optional(),
});
export type StoredRun = z.infer<typeof StoredRun>;

/** Overrides the outcome of the next run(s) of a pipeline: POST /_sandbox/faults `{ kind: 'devops-run', ... }`. */
export const DevOpsRunFault = z
  .object({
    kind: z.literal('devops-run'),
    /** Pipeline id or name. */
    pipeline: z.union([z.number().int().positive(), z.string().min(1)]),
    result: DevOpsRunResult,
    stage: z.string().optional(),
    /** How many runs it applies to; unlimited when omitted. */
    count: z.number().int().positive().optional(),
  })
  .strict();
export type DevOpsRunFault = z.infer<typeof DevOpsRunFault>;

/** Everything save() writes. */
export const DevOpsSaved = z.object({ runs: z.array(StoredRun), nextRunId: z.number() });
export type DevOpsSaved = z.infer<typeof DevOpsSaved>;
