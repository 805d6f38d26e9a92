export interface PipelineRunRequest {
  project: string;
  pipelineName: string;
  pipelineId?: number;
  /** Stages to run; the adapter skips the others. Empty = all. */
  stages: string[];
  /** Full git ref: refs/tags/... or refs/heads/... */
  refName?: string;
  parameters: Record<string, string>;
}

export interface PipelineRunState {
  runId: number;
  state: 'inProgress' | 'completed' | 'canceling' | 'unknown';
  result?: 'succeeded' | 'failed' | 'canceled' | 'unknown';
  url?: string;
}

/** CI/CD pipelines (Azure DevOps). */
export interface PipelineClient {
  runPipeline(request: PipelineRunRequest): Promise<PipelineRunState>;
  getRun(project: string, pipelineId: number, runId: number): Promise<PipelineRunState>;
  /** The newest run id of the pipeline, 0 when it has none: the baseline {@link findStartedRun} looks past. Read-only. */
  latestRunId(project: string, pipelineId: number): Promise<number>;
  /**
   * A run newer than `afterRunId` with this request's ref and template parameters (one whose start
   * answer was lost), or undefined. Read-only.
   */
  findStartedRun(request: PipelineRunRequest & { pipelineId: number }, afterRunId: number): Promise<PipelineRunState | undefined>;
  /** The pipeline id for a name (runs are addressed by id). */
  findPipelineId(project: string, name: string): Promise<number | undefined>;
  /**
   * Resolves a run without starting it (Azure DevOps preview, `previewRun: true`): the ref must
   * exist and the stages must be the pipeline's. Throws with the service's reason when not. Read-only.
   */
  previewRun(request: PipelineRunRequest): Promise<void>;
}
