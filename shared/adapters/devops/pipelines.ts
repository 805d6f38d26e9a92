import type { WebApi } from 'azure-devops-node-api';
import type { IPipelinesApi } from 'azure-devops-node-api/PipelinesApi';
import type { IBuildApi } from 'azure-devops-node-api/BuildApi';
import { RunResult, RunState, type Run, type RunPipelineParameters } from 'azure-devops-node-api/interfaces/PipelinesInterfaces';
import { TransientVendorError } from '../../ports/operations';
import type { PipelineClient, PipelineRunRequest, PipelineRunState } from '../../ports/pipelines';
import { networkErrorCode } from '../http/errors';

const VENDOR = 'devops';

/** Options for {@link DevOpsPipelineClient}. */
export interface DevOpsPipelineClientOptions {
  /**
   * Stage names per pipeline, keyed `"<project>/<pipeline name>"` or `"<pipeline name>"`, for
   * pipelines that have never run (their stages are otherwise read from their latest run).
   */
  knownStages?: Record<string, string[]>;
  /**
   * For pipelines whose YAML selects stages with a template parameter: when a pipeline's stages
   * cannot be found, the stages to run are sent as this parameter (comma-separated) instead of
   * `stagesToSkip`. Unset (the default): such a run is refused rather than run whole.
   */
  stageParameter?: string;
}

/**
 * Maps errors from azure-devops-node-api to the ports' contract. The client retries only
 * 502/503/504 on GET (never a run's POST); 429 and 5xx left over are transient, other statuses
 * permanent. Its messages come from the response body, never from the PAT.
 */
function toPortError(action: string, e: unknown): Error {
  if (e instanceof TransientVendorError) return e;
  const status = typeof e === 'object' && e !== null ? (e as { statusCode?: unknown }).statusCode : undefined;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof status === 'number') {
    if (status === 429 || status >= 500) return new TransientVendorError(VENDOR, `could not ${action}: ${status} ${message}`, status);
    const hint = status === 401 || status === 403 ? ' (check the personal access token and its scopes)' : '';
    return new Error(`${VENDOR}: could not ${action}: ${status} ${message}${hint}`);
  }
  const network = networkErrorCode(e);
  if (network) return new TransientVendorError(VENDOR, `could not ${action}: no answer (${network})`);
  return new Error(`${VENDOR}: could not ${action}: ${message}`);
}

async function call<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toPortError(action, e);
  }
}

const STATES: Record<number, PipelineRunState['state']> = {
  [RunState.InProgress]: 'inProgress',
  [RunState.Canceling]: 'canceling',
  [RunState.Completed]: 'completed',
};

const RESULTS: Record<number, NonNullable<PipelineRunState['result']>> = {
  [RunResult.Succeeded]: 'succeeded',
  [RunResult.Failed]: 'failed',
  [RunResult.Canceled]: 'canceled',
};

/** The client's numeric enums (it maps the wire's strings to numbers) as the port's strings. */
function toRunState(run: Run): PipelineRunState {
  if (typeof run.id !== 'number') throw new Error(`${VENDOR}: a run came back without an id`);
  const state = run.state !== undefined ? (STATES[run.state] ?? 'unknown') : 'unknown';
  const result = run.result !== undefined ? (RESULTS[run.result] ?? 'unknown') : undefined;
  const url = run._links?.web?.href ?? run.url;
  return { runId: run.id, state, ...(result ? { result } : {}), ...(url ? { url } : {}) };
}

/** Stage names compare as Azure DevOps compares them: case-insensitively. */
function same(a: string, b: string): boolean {
  return a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0;
}

/**
 * {@link PipelineClient} over azure-devops-node-api's Pipelines API (build the connection with
 * `createDevOpsConnection`).
 *
 * Running only some stages: the Runs API takes `stagesToSkip`, the complement of the stages the
 * window names, so the adapter needs the pipeline's stage list. The Pipelines API does not list
 * stages; the Build API's timeline of a run does (its `Stage` records), so the list comes from,
 * in order: `knownStages`, the timeline of the pipeline's latest run (remembered per pipeline),
 * or — for pipelines written to select stages by parameter — `stageParameter`. Otherwise the run
 * is refused with a clear error, never run whole by surprise.
 */
export class DevOpsPipelineClient implements PipelineClient {
  private pipelinesApi?: Promise<IPipelinesApi>;
  private buildApi?: Promise<IBuildApi>;
  private readonly stageCache = new Map<string, string[]>();

  constructor(
    private readonly connection: WebApi,
    private readonly options: DevOpsPipelineClientOptions = {},
  ) {}

  /** The id of the pipeline named `name` (case-insensitive) in `project`, or undefined. */
  async findPipelineId(project: string, name: string): Promise<number | undefined> {
    const api = await this.pipelines();
    const list = await call(`list the pipelines of project ${project}`, () => api.listPipelines(project));
    if (list === null) throw new Error(`${VENDOR}: project ${project} was not found`);
    return list.find((p) => p.name !== undefined && same(p.name, name))?.id;
  }

  /** Preview: the run resolved at its ref with its stages, nothing started (OAuth scope vso.build, a read). */
  async previewRun(request: PipelineRunRequest): Promise<void> {
    const { label, pipelineId, body } = await this.runBody(request);
    const api = await this.pipelines();
    const preview = await call(`preview pipeline ${label}`, () => api.preview({ ...body, previewRun: true }, request.project, pipelineId));
    if (preview === null) throw new Error(`${VENDOR}: pipeline ${label} (id ${pipelineId}) was not found`);
  }

  /**
   * Starts a run: at `refName` (a full ref, refs/heads/... or refs/tags/...), with the template
   * parameters, skipping every stage not named in `stages` (none skipped when it is empty).
   */
  async runPipeline(request: PipelineRunRequest): Promise<PipelineRunState> {
    const { label, pipelineId, body } = await this.runBody(request);
    const api = await this.pipelines();
    const run = await call(`run pipeline ${label}`, () => api.runPipeline(body, request.project, pipelineId));
    if (run === null) throw new Error(`${VENDOR}: pipeline ${label} (id ${pipelineId}) was not found`);
    return toRunState(run);
  }

  async latestRunId(project: string, pipelineId: number): Promise<number> {
    const api = await this.pipelines();
    const runs = await call(`list the runs of pipeline ${pipelineId} in ${project}`, () => api.listRuns(project, pipelineId));
    return Math.max(0, ...(runs ?? []).map((r) => r.id ?? 0));
  }

  /**
   * Runs - List names runs only, so each newer run is read (Runs - Get carries its
   * templateParameters and repository ref) and compared with what this request would send.
   */
  async findStartedRun(request: PipelineRunRequest & { pipelineId: number }, afterRunId: number): Promise<PipelineRunState | undefined> {
    const { body } = await this.runBody(request);
    const api = await this.pipelines();
    const runs = await call(`list the runs of pipeline ${request.pipelineId} in ${request.project}`, () => api.listRuns(request.project, request.pipelineId));
    const newer = (runs ?? []).filter((r) => (r.id ?? 0) > afterRunId).sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    const wantParams = body.templateParameters ?? {};
    const wantRef = body.resources?.repositories?.['self']?.refName;
    for (const r of newer) {
      const run = await call(`get run ${r.id} of pipeline ${request.pipelineId}`, () => api.getRun(request.project, request.pipelineId, r.id as number));
      if (!run) continue;
      const params: Record<string, unknown> = run.templateParameters ?? {};
      const sameParams = Object.keys(params).length === Object.keys(wantParams).length && Object.entries(wantParams).every(([k, v]) => String(params[k]) === v);
      const ref = run.resources?.repositories?.['self']?.refName;
      if (sameParams && (wantRef === undefined || ref === wantRef)) return toRunState(run);
    }
    return undefined;
  }

  /** The pipeline id and the Runs API body for a request (ref, parameters, stages to skip). */
  private async runBody(request: PipelineRunRequest): Promise<{ label: string; pipelineId: number; body: RunPipelineParameters }> {
    const label = `${request.project}/${request.pipelineName}`;
    if (request.refName !== undefined && !/^refs\/(heads|tags)\/.+/.test(request.refName)) {
      throw new RangeError(`refName must be a full ref (refs/heads/... or refs/tags/...), not '${request.refName}'`);
    }
    const pipelineId = request.pipelineId ?? (await this.findPipelineId(request.project, request.pipelineName));
    if (pipelineId === undefined) throw new Error(`${VENDOR}: pipeline ${label} was not found`);

    const body: RunPipelineParameters = {};
    const templateParameters: Record<string, string> = { ...request.parameters };
    if (request.stages.length > 0) {
      const all = await this.stagesOf(request.project, request.pipelineName, pipelineId);
      if (all) {
        const unknown = request.stages.filter((s) => !all.some((a) => same(a, s)));
        if (unknown.length > 0) throw new Error(`${VENDOR}: pipeline ${label} has no stage ${unknown.join(', ')} (its stages: ${all.join(', ')})`);
        body.stagesToSkip = all.filter((a) => !request.stages.some((s) => same(a, s)));
      } else if (this.options.stageParameter) {
        templateParameters[this.options.stageParameter] = request.stages.join(',');
      } else {
        throw new Error(
          `${VENDOR}: cannot run only stages ${request.stages.join(', ')} of ${label}: it has no earlier run to read its stages from and none are configured (knownStages)`,
        );
      }
    }
    if (Object.keys(templateParameters).length > 0) body.templateParameters = templateParameters;
    if (request.refName) body.resources = { repositories: { self: { refName: request.refName } } };
    return { label, pipelineId, body };
  }

  /** Where a run stands; a run that does not exist is a permanent error. */
  async getRun(project: string, pipelineId: number, runId: number): Promise<PipelineRunState> {
    const api = await this.pipelines();
    const run = await call(`get run ${runId} of pipeline ${pipelineId}`, () => api.getRun(project, pipelineId, runId));
    if (run === null) throw new Error(`${VENDOR}: run ${runId} of pipeline ${pipelineId} in ${project} was not found`);
    return toRunState(run);
  }

  /** The pipeline's stage names in order, or undefined when nothing tells them. */
  private async stagesOf(project: string, name: string, pipelineId: number): Promise<string[] | undefined> {
    const configured = this.options.knownStages?.[`${project}/${name}`] ?? this.options.knownStages?.[name];
    if (configured) return configured;
    const key = `${project.toLowerCase()}/${pipelineId}`;
    const cached = this.stageCache.get(key);
    if (cached) return cached;
    const api = await this.pipelines();
    const runs = await call(`list the runs of ${project}/${name}`, () => api.listRuns(project, pipelineId));
    const latest = (runs ?? []).filter((r) => typeof r.id === 'number').sort((a, b) => (b.id ?? 0) - (a.id ?? 0))[0];
    if (!latest?.id) return undefined;
    const latestId = latest.id;
    const builds = await this.builds();
    const timeline = await call(`read the stages of ${project}/${name}`, () => builds.getBuildTimeline(project, latestId));
    const stages = (timeline?.records ?? [])
      .filter((r) => r.type === 'Stage' && r.name)
      .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
      .map((r) => r.name as string);
    if (stages.length === 0) return undefined;
    this.stageCache.set(key, stages);
    return stages;
  }

  private pipelines(): Promise<IPipelinesApi> {
    this.pipelinesApi ??= call('connect to the Pipelines API', () => this.connection.getPipelinesApi());
    // A failed discovery must not stick: the next call tries again.
    this.pipelinesApi.catch(() => (this.pipelinesApi = undefined));
    return this.pipelinesApi;
  }

  private builds(): Promise<IBuildApi> {
    this.buildApi ??= call('connect to the Build API', () => this.connection.getBuildApi());
    this.buildApi.catch(() => (this.buildApi = undefined));
    return this.buildApi;
  }
}
