import { createHash } from 'crypto';
import type { Pipeline, Run, RunResult, RunState } from 'azure-devops-node-api/interfaces/PipelinesInterfaces';
import type { Build, BuildResult, BuildStatus, TaskResult, Timeline, TimelineRecord, TimelineRecordState } from 'azure-devops-node-api/interfaces/BuildInterfaces';
import { z } from 'zod';
import { badRequest, controlError } from '../core/control';
import type { ControlTarget, FaultTarget } from '../core/extensions';
import type { RouteHandler, Router, SandboxRequest, SandboxResponse, SandboxService, ServiceContext, ServiceFactory } from '../core/types';
import { DevOpsErrors } from './errors';
import { DevOpsEstate, DevOpsRunFault, DevOpsSaved, type DevOpsEstatePipeline, type DevOpsRunResult, type StoredRun } from './schema';

/** `POST /_sandbox/devops/tags/delete`: pipeline by name or id. */
const TagDeleteBody = z.object({ project: z.string().min(1), pipeline: z.string().min(1), tag: z.string().min(1) }).strict();

/** Enum members as the REST API spells them (the client maps these strings to its numeric enums). */
type Wire<E> = Uncapitalize<Extract<keyof E, string>>;

/** A run as sent on the wire: the SDK's `Run`, with dates as ISO strings and enums as strings. */
export type RunWire = Omit<Run, 'createdDate' | 'finishedDate' | 'state' | 'result' | 'resources'> & {
  createdDate: string;
  finishedDate?: string;
  state: Wire<typeof RunState>;
  result?: Wire<typeof RunResult>;
  /** The repository type is a string on the wire too (azureReposGit, gitHub, ...). */
  resources?: { repositories?: Record<string, { refName?: string; version?: string; repository?: { type: 'azureReposGit' | 'gitHub' | 'bitbucket' | 'gitHubEnterprise' | 'unknown' } }> };
};

/** A build as sent on the wire (the subset the simulator fills). */
export type BuildWire = Omit<Build, 'queueTime' | 'startTime' | 'finishTime' | 'status' | 'result'> & {
  queueTime: string;
  startTime: string;
  finishTime?: string;
  status: Wire<typeof BuildStatus>;
  result?: Wire<typeof BuildResult>;
};

/** A timeline record as sent on the wire. */
export type TimelineRecordWire = Omit<TimelineRecord, 'startTime' | 'finishTime' | 'lastModified' | 'state' | 'result'> & {
  startTime: string | null;
  finishTime: string | null;
  state: Wire<typeof TimelineRecordState>;
  result: Wire<typeof TaskResult> | null;
};

/** One stage of a run at a moment of virtual time. */
export interface StageView {
  name: string;
  state: 'pending' | 'inProgress' | 'completed';
  result?: 'succeeded' | 'failed' | 'skipped' | 'canceled';
  startMs?: number;
  finishMs?: number;
}

/** A run's progress at a moment of virtual time. */
export interface RunView {
  state: 'inProgress' | 'completed';
  result?: DevOpsRunResult;
  finishedMs?: number;
  stages: StageView[];
}

/** The state /_sandbox/state shows under `devops` (PAT names only; secret variables redacted). */
export interface DevOpsSnapshot {
  organization: string;
  pats: string[];
  pipelines: { project: string; id: number; name: string; stages: string[] }[];
  runs: (Omit<StoredRun, 'variables'> & {
    variables: Record<string, { value?: string; isSecret?: boolean }>;
    state: RunView['state'];
    result?: DevOpsRunResult;
    createdDate: string;
    finishedDate?: string;
    stageTimeline: { name: string; state: StageView['state']; result?: StageView['result']; startTime?: string; finishTime?: string }[];
  })[];
}

const LOCATION_AREA = 'e81700f7-3be2-46de-8624-2eb35882fcaa';
const PIPELINES_AREA = '5264459e-e5e0-4bd8-b118-0985e68a4ec5';
const BUILD_AREA = '965220d5-5bb9-42cf-8d67-9b146df2a5a4';

function location(id: string, area: string, resourceName: string, routeTemplate: string, resourceVersion: number) {
  return { id, area, resourceName, routeTemplate, resourceVersion, minVersion: '1.0', maxVersion: '7.2', releasedVersion: '7.1' };
}

const AREA_LOCATIONS: Record<string, ReturnType<typeof location>[]> = {
  location: [location(LOCATION_AREA, 'Location', 'ResourceAreas', '_apis/{resource}/{areaId}', 1)],
  pipelines: [
    location('28e1305e-2afe-47bf-abaf-cbb0e6a91988', 'pipelines', 'pipelines', '{project}/_apis/{resource}/{pipelineId}', 1),
    location('7859261e-d2e9-4a68-b820-a5d84cc5bb3d', 'pipelines', 'runs', '{project}/_apis/pipelines/{pipelineId}/{resource}/{runId}', 1),
    location('53df2d18-29ea-46a9-bee0-933540f80abf', 'pipelines', 'preview', '{project}/_apis/pipelines/{pipelineId}/{resource}', 1),
  ],
  build: [
    location('0cd358e1-9217-4d94-8269-1c1ee6f93dcf', 'build', 'builds', '{project}/_apis/{area}/{resource}/{buildId}', 7),
    location('8baac422-4c6e-4de5-8532-db96d92acffa', 'build', 'Timeline', '{project}/_apis/{area}/builds/{buildId}/{resource}/{timelineId}', 3),
  ],
};

function guidFrom(seed: string): string {
  const h = createHash('md5').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Computes where a run stands at `now`: stages run one after another for their virtual minutes. */
export function viewRun(run: StoredRun, now: number): RunView {
  const running = run.stages.filter((s) => !s.skipped).map((s) => s.name);
  const failName = run.outcome === 'succeeded' ? undefined : run.failStage && running.includes(run.failStage) ? run.failStage : running[running.length - 1];
  let t = run.createdMs;
  let ended = false;
  let pendingOrRunning = false;
  let endedResult: DevOpsRunResult | undefined;
  const stages: StageView[] = run.stages.map((s) => {
    if (s.skipped || ended) return { name: s.name, state: 'completed', result: 'skipped' };
    const start = t;
    const end = start + s.minutes * 60000;
    t = end;
    if (run.canceledMs !== undefined && run.canceledMs < end && run.canceledMs <= now) {
      ended = true;
      endedResult = 'canceled';
      return { name: s.name, state: 'completed', result: 'canceled', startMs: start, finishMs: Math.max(start, run.canceledMs) };
    }
    if (now < start) {
      pendingOrRunning = true;
      return { name: s.name, state: 'pending' };
    }
    if (now < end) {
      pendingOrRunning = true;
      return { name: s.name, state: 'inProgress', startMs: start };
    }
    if (s.name === failName) {
      ended = true;
      endedResult = run.outcome;
      return { name: s.name, state: 'completed', result: run.outcome === 'canceled' ? 'canceled' : 'failed', startMs: start, finishMs: end };
    }
    return { name: s.name, state: 'completed', result: 'succeeded', startMs: start, finishMs: end };
  });
  if (pendingOrRunning && !ended) return { state: 'inProgress', stages };
  const finished = stages.reduce((m, s) => Math.max(m, s.finishMs ?? 0), run.createdMs);
  return { state: 'completed', result: endedResult ?? 'succeeded', finishedMs: finished, stages };
}

interface RuntimeFault extends DevOpsRunFault {
  id: string;
  used: number;
}

/**
 * The simulated Azure DevOps organization: the discovery calls azure-devops-node-api makes,
 * Pipelines (list/get, runs create/get/list) and the Build calls that show stage timing
 * (timeline) and cancel a run. Runs progress on the virtual clock, stage after stage.
 */
export class DevOpsService implements SandboxService, FaultTarget, ControlTarget {
  readonly name = 'devops';
  readonly faultKinds = ['devops-run'] as const;
  private readonly estate: DevOpsEstate;
  private runs: StoredRun[] = [];
  private nextRunId = 1001;
  private faults: RuntimeFault[] = [];
  private faultCounter = 0;

  constructor(private readonly ctx: ServiceContext) {
    this.estate = DevOpsEstate.parse(ctx.estate['devops']);
  }

  register(router: Router): void {
    router.route('OPTIONS', '/:org/_apis/:area', this.guard(false, (req) => this.areaLocations(req)));
    router.route('GET', '/:org/_apis/ResourceAreas', this.guard(false, () => this.resourceAreas()));
    router.route('GET', '/:org/:project/_apis/pipelines', this.guard(true, (req) => this.withProject(req, (p) => this.listPipelines(p))));
    router.route('GET', '/:org/:project/_apis/pipelines/:pipelineId', this.guard(true, (req) => this.withPipeline(req, (p, pl) => ({ status: 200, body: this.pipelineJson(p, pl) }))));
    router.route('GET', '/:org/:project/_apis/pipelines/:pipelineId/runs', this.guard(true, (req) => this.withPipeline(req, (p, pl) => this.listRuns(p, pl))));
    router.route('POST', '/:org/:project/_apis/pipelines/:pipelineId/preview', this.guard(true, (req) => this.withPipeline(req, (_p, pl) => this.preview(req, pl))));
    router.route('POST', '/:org/:project/_apis/pipelines/:pipelineId/runs', this.guard(true, (req) => this.withPipeline(req, (p, pl) => this.createRun(req, p, pl))));
    router.route('GET', '/:org/:project/_apis/pipelines/:pipelineId/runs/:runId', this.guard(true, (req) => this.withPipeline(req, (p, pl) => this.getRun(req, p, pl))));
    router.route('GET', '/:org/:project/_apis/build/builds/:buildId', this.guard(true, (req) => this.withBuild(req, (run) => ({ status: 200, body: this.buildJson(run) }))));
    router.route('PATCH', '/:org/:project/_apis/build/builds/:buildId', this.guard(true, (req) => this.withBuild(req, (run) => this.updateBuild(req, run))));
    router.route('GET', '/:org/:project/_apis/build/builds/:buildId/Timeline', this.guard(true, (req) => this.withBuild(req, (run) => this.timeline(run))));
    router.route('GET', '/:org/:project/_apis/build/builds/:buildId/Timeline/:timelineId', this.guard(true, (req) => this.withBuild(req, (run) => this.timeline(run))));
  }

  snapshot(): DevOpsSnapshot {
    const now = this.ctx.clock.now();
    return {
      organization: this.estate.organization,
      pats: this.estate.pats.map((p) => p.name),
      pipelines: this.estate.projects.flatMap((p) => p.pipelines.map((pl) => ({ project: p.name, id: pl.id, name: pl.name, stages: pl.stages.map((s) => s.name) }))),
      runs: this.runs.map((r) => {
        const v = viewRun(r, now);
        return {
          ...r,
          variables: Object.fromEntries(Object.entries(r.variables).map(([k, val]) => [k, val.isSecret ? { isSecret: true } : val])),
          state: v.state,
          ...(v.result ? { result: v.result } : {}),
          createdDate: iso(r.createdMs),
          ...(v.finishedMs !== undefined ? { finishedDate: iso(v.finishedMs) } : {}),
          stageTimeline: v.stages.map((s) => ({
            name: s.name,
            state: s.state,
            ...(s.result ? { result: s.result } : {}),
            ...(s.startMs !== undefined ? { startTime: iso(s.startMs) } : {}),
            ...(s.finishMs !== undefined ? { finishTime: iso(s.finishMs) } : {}),
          })),
        };
      }),
    };
  }

  save(): DevOpsSaved {
    return { runs: this.runs, nextRunId: this.nextRunId };
  }

  load(saved: unknown): void {
    const s = DevOpsSaved.parse(saved);
    this.runs = s.runs;
    this.nextRunId = s.nextRunId;
  }

  addFault(spec: unknown): { id: string } & Record<string, unknown> {
    const parsed = DevOpsRunFault.parse(spec);
    if (!this.findPipelineByRef(parsed.pipeline)) throw new RangeError(`devops-run fault: no pipeline ${String(parsed.pipeline)}`);
    const fault: RuntimeFault = { ...parsed, id: `devops-run-${++this.faultCounter}`, used: 0 };
    this.faults.push(fault);
    return { ...fault };
  }

  removeFault(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return before !== this.faults.length;
  }

  clearFaults(): void {
    this.faults = [];
  }

  listFaults(): unknown[] {
    return this.faults.map((f) => ({ ...f }));
  }

  private base(): string {
    return `${this.ctx.baseUrl('devops')}/${this.estate.organization}`;
  }

  private findPipelineByRef(ref: number | string): DevOpsEstatePipeline | undefined {
    for (const p of this.estate.projects) {
      const found = p.pipelines.find((pl) => pl.id === ref || (typeof ref === 'string' && pl.name.toLowerCase() === ref.toLowerCase()));
      if (found) return found;
    }
    return undefined;
  }

  /** Basic auth with a PAT (any user name), the organization, and api-version on versioned calls. */
  private guard(versioned: boolean, handler: (req: SandboxRequest) => SandboxResponse): RouteHandler {
    return (req) => {
      const header = req.headers.authorization ?? '';
      const m = /^Basic\s+(.+)$/i.exec(header);
      const decoded = m?.[1] ? Buffer.from(m[1], 'base64').toString('utf8') : '';
      const pat = decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : '';
      if (!this.estate.pats.some((p) => p.value === pat)) return DevOpsErrors.unauthorized();
      if ((req.params['org'] ?? '').toLowerCase() !== this.estate.organization.toLowerCase()) {
        return { status: 404, body: { $id: '1', message: `The organization '${req.params['org'] ?? ''}' could not be found.`, typeKey: 'HostNotFoundException', errorCode: 0, eventId: 3000 } };
      }
      if (versioned) {
        const accept = String(req.headers.accept ?? '');
        if (!/api-version=/i.test(accept) && !req.query.get('api-version')) return DevOpsErrors.noApiVersion(req.method);
      }
      return handler(req);
    };
  }

  private areaLocations(req: SandboxRequest): SandboxResponse {
    const locations = AREA_LOCATIONS[(req.params['area'] ?? '').toLowerCase()] ?? [];
    return { status: 200, body: { count: locations.length, value: locations } };
  }

  private resourceAreas(): SandboxResponse {
    const locationUrl = `${this.base()}/`;
    const value = [
      { id: PIPELINES_AREA, name: 'pipelines', locationUrl },
      { id: BUILD_AREA, name: 'build', locationUrl },
    ];
    return { status: 200, body: { count: value.length, value } };
  }

  private withProject(req: SandboxRequest, fn: (project: DevOpsEstate['projects'][number]) => SandboxResponse): SandboxResponse {
    const name = req.params['project'] ?? '';
    const project = this.estate.projects.find((p) => p.name.toLowerCase() === name.toLowerCase() || this.projectId(p) === name.toLowerCase());
    return project ? fn(project) : DevOpsErrors.projectNotFound(name);
  }

  private withPipeline(
    req: SandboxRequest,
    fn: (project: DevOpsEstate['projects'][number], pipeline: DevOpsEstatePipeline) => SandboxResponse,
  ): SandboxResponse {
    return this.withProject(req, (project) => {
      const id = req.params['pipelineId'] ?? '';
      const pipeline = project.pipelines.find((pl) => String(pl.id) === id);
      return pipeline ? fn(project, pipeline) : DevOpsErrors.pipelineNotFound(id);
    });
  }

  private withBuild(req: SandboxRequest, fn: (run: StoredRun) => SandboxResponse): SandboxResponse {
    return this.withProject(req, (project) => {
      const id = req.params['buildId'] ?? '';
      const run = this.runs.find((r) => String(r.id) === id && r.project === project.name);
      return run ? fn(run) : DevOpsErrors.buildNotFound(id);
    });
  }

  private projectId(p: DevOpsEstate['projects'][number]): string {
    return p.id ?? guidFrom(`project:${p.name}`);
  }

  private pipelineUrl(project: string, pl: DevOpsEstatePipeline): string {
    return `${this.base()}/${encodeURIComponent(this.projectId(this.estate.projects.find((p) => p.name === project) ?? { name: project, pipelines: [] }))}/_apis/pipelines/${pl.id}?revision=1`;
  }

  private pipelineJson(project: DevOpsEstate['projects'][number], pl: DevOpsEstatePipeline): Pipeline {
    const url = this.pipelineUrl(project.name, pl);
    return {
      id: pl.id,
      name: pl.name,
      folder: pl.folder,
      revision: 1,
      url,
      _links: { self: { href: url }, web: { href: `${this.base()}/${encodeURIComponent(project.name)}/_build/definition?definitionId=${pl.id}` } },
    };
  }

  private listPipelines(project: DevOpsEstate['projects'][number]): SandboxResponse {
    const value = project.pipelines.map((pl) => this.pipelineJson(project, pl));
    return { status: 200, body: { count: value.length, value } };
  }

  private runJson(run: StoredRun): RunWire {
    const v = viewRun(run, this.ctx.clock.now());
    const project = this.estate.projects.find((p) => p.name === run.project);
    const pipeline = project?.pipelines.find((pl) => pl.id === run.pipelineId);
    const projectId = project ? this.projectId(project) : run.project;
    const url = `${this.base()}/${projectId}/_apis/pipelines/${run.pipelineId}/runs/${run.id}`;
    const pipelineUrl = pipeline ? this.pipelineUrl(run.project, pipeline) : '';
    return {
      _links: {
        self: { href: url },
        web: { href: `${this.base()}/${encodeURIComponent(run.project)}/_build/results?buildId=${run.id}` },
        'pipeline.web': { href: `${this.base()}/${encodeURIComponent(run.project)}/_build/definition?definitionId=${run.pipelineId}` },
        pipeline: { href: pipelineUrl },
      },
      pipeline: { id: run.pipelineId, name: run.pipelineName, folder: pipeline?.folder ?? '\\', revision: 1, url: pipelineUrl },
      state: v.state,
      ...(v.result ? { result: v.result } : {}),
      createdDate: iso(run.createdMs),
      ...(v.finishedMs !== undefined ? { finishedDate: iso(v.finishedMs) } : {}),
      url,
      resources: {
        repositories: {
          self: { refName: run.refName, version: run.version, repository: { type: 'azureReposGit' } },
        },
      },
      templateParameters: run.templateParameters,
      variables: Object.fromEntries(Object.entries(run.variables).map(([k, val]) => [k, val.isSecret ? { isSecret: true } : val])),
      id: run.id,
      name: run.name,
    };
  }

  private listRuns(project: DevOpsEstate['projects'][number], pl: DevOpsEstatePipeline): SandboxResponse {
    const value = this.runs.filter((r) => r.project === project.name && r.pipelineId === pl.id).reverse().map((r) => this.runJson(r));
    return { status: 200, body: { count: value.length, value } };
  }

  private getRun(req: SandboxRequest, project: DevOpsEstate['projects'][number], pl: DevOpsEstatePipeline): SandboxResponse {
    const id = req.params['runId'] ?? '';
    const run = this.runs.find((r) => String(r.id) === id && r.project === project.name && r.pipelineId === pl.id);
    return run ? { status: 200, body: this.runJson(run) } : DevOpsErrors.runNotFound(id);
  }

  /** A tag deleted from a pipeline's repository (someone re-cut a release): runs and previews at it fail. */
  registerControl(router: Router): void {
    router.route('POST', '/_sandbox/devops/tags/delete', (req) => {
      const body = TagDeleteBody.safeParse(req.body);
      if (!body.success) return badRequest(body.error);
      const { project, pipeline, tag } = body.data;
      const pl = this.estate.projects
        .find((p) => p.name.toLowerCase() === project.toLowerCase())
        ?.pipelines.find((x) => x.name.toLowerCase() === pipeline.toLowerCase() || String(x.id) === pipeline);
      if (!pl?.tags?.includes(tag)) return controlError(404, 'TagNotFound', `no tag ${tag} on pipeline ${pipeline} in ${project}`);
      pl.tags = pl.tags.filter((t) => t !== tag);
      return { status: 200, body: { pipeline: pl.name, tags: pl.tags } };
    });
  }

  /** The ref a run or preview body names (the pipeline's default branch when none). */
  private refOf(body: Record<string, unknown>, pl: DevOpsEstatePipeline): { refName: string; error?: SandboxResponse } {
    const resources = body['resources'] as { repositories?: { self?: { refName?: unknown } } } | undefined;
    const rawRef = resources?.repositories?.self?.refName;
    const refName = typeof rawRef === 'string' && rawRef.length > 0 ? (rawRef.startsWith('refs/') ? rawRef : `refs/heads/${rawRef}`) : pl.defaultBranch;
    if (refName.startsWith('refs/tags/') && pl.tags && !pl.tags.includes(refName.slice('refs/tags/'.length))) {
      return {
        refName,
        error: DevOpsErrors.badRequest('InvalidRequestException', `Unable to resolve the reference '${refName}' to a specific version. Verify the reference exists in the source repository.`),
      };
    }
    return { refName };
  }

  /** Preview (previewRun): the final YAML at the ref, resolved as a run would be; no run is created. */
  private preview(req: SandboxRequest, pl: DevOpsEstatePipeline): SandboxResponse {
    const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    const { refName, error } = this.refOf(body, pl);
    if (error) return error;
    const stagesToSkip = Array.isArray(body['stagesToSkip']) ? body['stagesToSkip'].map(String) : [];
    const unknownStages = stagesToSkip.filter((s) => !pl.stages.some((st) => st.name === s));
    if (unknownStages.length > 0) return DevOpsErrors.badRequest('PipelineValidationException', `Stage(s) not found in pipeline '${pl.name}': ${unknownStages.join(', ')}.`);
    const finalYaml = [`# ${pl.name} at ${refName}`, 'stages:', ...pl.stages.map((st) => `- stage: ${st.name.replace(/\W/g, '_')}`)].join('\n');
    return { status: 200, body: { finalYaml } };
  }

  private createRun(req: SandboxRequest, project: DevOpsEstate['projects'][number], pl: DevOpsEstatePipeline): SandboxResponse {
    const body = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    const stagesToSkip = Array.isArray(body['stagesToSkip']) ? body['stagesToSkip'].map(String) : [];
    const stageNames = pl.stages.map((s) => s.name);
    const unknownStages = stagesToSkip.filter((s) => !stageNames.includes(s));
    if (unknownStages.length > 0) {
      return DevOpsErrors.badRequest('PipelineValidationException', `Stage(s) not found in pipeline '${pl.name}': ${unknownStages.join(', ')}.`);
    }
    if (stagesToSkip.length === stageNames.length) {
      return DevOpsErrors.badRequest('PipelineValidationException', 'At least one stage must run: every stage was listed in stagesToSkip.');
    }
    const rawParams = body['templateParameters'];
    const templateParameters: Record<string, string> = {};
    if (rawParams && typeof rawParams === 'object' && !Array.isArray(rawParams)) {
      for (const [k, v] of Object.entries(rawParams as Record<string, unknown>)) templateParameters[k] = typeof v === 'string' ? v : JSON.stringify(v);
    }
    if (pl.parameters) {
      const unexpected = Object.keys(templateParameters).filter((k) => !pl.parameters?.includes(k));
      if (unexpected.length > 0) return DevOpsErrors.badRequest('PipelineValidationException', `Unexpected parameter '${unexpected[0]}'`);
    }
    const { refName, error } = this.refOf(body, pl);
    if (error) return error;
    const variables: StoredRun['variables'] = {};
    const rawVars = body['variables'];
    if (rawVars && typeof rawVars === 'object' && !Array.isArray(rawVars)) {
      for (const [k, v] of Object.entries(rawVars as Record<string, unknown>)) {
        const o = v && typeof v === 'object' ? (v as { value?: unknown; isSecret?: unknown }) : { value: v };
        variables[k] = { ...(o.value !== undefined ? { value: String(o.value) } : {}), ...(o.isSecret === true ? { isSecret: true } : {}) };
      }
    }

    let outcome: DevOpsRunResult = pl.outcomesByRef[refName] ?? pl.outcome;
    let failStage = pl.failStage;
    const fault = this.faults.find((f) => this.findPipelineByRef(f.pipeline) === pl && (f.count === undefined || f.used < f.count));
    if (fault) {
      fault.used += 1;
      outcome = fault.result;
      failStage = fault.stage ?? failStage;
    }

    const now = this.ctx.clock.now();
    const day = iso(now).slice(0, 10).replace(/-/g, '');
    const sameDay = this.runs.filter((r) => r.pipelineId === pl.id && r.name.startsWith(`${day}.`)).length;
    const run: StoredRun = {
      id: this.nextRunId++,
      seq: this.runs.length + 1,
      name: `${day}.${sameDay + 1}`,
      project: project.name,
      pipelineId: pl.id,
      pipelineName: pl.name,
      refName,
      version: createHash('sha1').update(`${pl.repository}:${refName}`).digest('hex'),
      createdMs: now,
      stages: pl.stages.map((s) => ({ name: s.name, minutes: s.minutes, skipped: stagesToSkip.includes(s.name) })),
      stagesToSkip,
      templateParameters,
      variables,
      outcome,
      ...(failStage ? { failStage } : {}),
    };
    this.runs.push(run);
    return { status: 200, body: this.runJson(run) };
  }

  private buildJson(run: StoredRun): BuildWire {
    const v = viewRun(run, this.ctx.clock.now());
    const project = this.estate.projects.find((p) => p.name === run.project);
    const status: BuildWire['status'] = v.state === 'completed' ? 'completed' : run.canceledMs !== undefined ? 'cancelling' : 'inProgress';
    return {
      id: run.id,
      buildNumber: run.name,
      status,
      ...(v.result ? { result: v.result } : {}),
      queueTime: iso(run.createdMs),
      startTime: iso(run.createdMs),
      ...(v.finishedMs !== undefined ? { finishTime: iso(v.finishedMs) } : {}),
      sourceBranch: run.refName,
      sourceVersion: run.version,
      definition: { id: run.pipelineId, name: run.pipelineName },
      project: { id: project ? this.projectId(project) : run.project, name: run.project },
      url: `${this.base()}/${project ? this.projectId(project) : run.project}/_apis/build/Builds/${run.id}`,
      templateParameters: run.templateParameters,
    };
  }

  /** Cancels an in-progress run (`{ "status": "cancelling" }`), as the Builds API does. */
  private updateBuild(req: SandboxRequest, run: StoredRun): SandboxResponse {
    const body = req.body && typeof req.body === 'object' ? (req.body as { status?: unknown }) : {};
    // The REST API takes the enum by name or by number (BuildStatus.Cancelling = 4), as the client sends it.
    if (body.status !== 'cancelling' && body.status !== 'Cancelling' && body.status !== 4) {
      return DevOpsErrors.badRequest('InvalidRequestException', 'Only { "status": "cancelling" } is supported by the simulator.');
    }
    if (viewRun(run, this.ctx.clock.now()).state === 'inProgress' && run.canceledMs === undefined) run.canceledMs = this.ctx.clock.now();
    return { status: 200, body: this.buildJson(run) };
  }

  private timeline(run: StoredRun): SandboxResponse {
    const v = viewRun(run, this.ctx.clock.now());
    const records: TimelineRecordWire[] = v.stages.map((s, i) => ({
      id: guidFrom(`stage:${run.id}:${s.name}`),
      parentId: undefined,
      type: 'Stage',
      name: s.name,
      identifier: s.name.replace(/[^A-Za-z0-9_]/g, '_'),
      order: i + 1,
      state: s.state,
      result: s.result ?? null,
      startTime: s.startMs !== undefined ? iso(s.startMs) : null,
      finishTime: s.finishMs !== undefined ? iso(s.finishMs) : null,
      percentComplete: s.state === 'completed' ? 100 : 0,
      errorCount: s.result === 'failed' ? 1 : 0,
      warningCount: 0,
      attempt: 1,
    }));
    const body: Omit<Timeline, 'records' | 'lastChangedOn'> & { records: TimelineRecordWire[]; lastChangedOn: string } = {
      id: guidFrom(`timeline:${run.id}`),
      changeId: records.length,
      lastChangedBy: guidFrom('sandbox'),
      lastChangedOn: iso(this.ctx.clock.now()),
      records,
    };
    return { status: 200, body };
  }
}

/** Factory registered in sandbox/services.ts. */
export const createDevOpsService: ServiceFactory = (ctx) => new DevOpsService(ctx);
