import type { WebApi } from 'azure-devops-node-api';
import { RunResult, RunState, type Run } from 'azure-devops-node-api/interfaces/PipelinesInterfaces';
import { BuildStatus, TaskResult, TimelineRecordState } from 'azure-devops-node-api/interfaces/BuildInterfaces';
import { createDevOpsConnection } from '../../../../shared/adapters/devops/client';
import type { DevOpsSnapshot } from '../../../../sandbox/devops/service';
import { useVendorSandbox } from './harness';

const PAT = 'ado-sandbox-pat-mw-automation-0001';
const env = useVendorSandbox();
let ado: WebApi;

beforeAll(() => {
  ado = createDevOpsConnection({ organizationUrl: `${env.sandbox.urls.devops}/invoicecloud`, pat: PAT, caFile: env.sandbox.caFile, maxRetries: 0 });
});

describe('simulated Azure DevOps through azure-devops-node-api', () => {
  it('runs the Preparation Pipeline skipping stages; the run progresses on the virtual clock', async () => {
    const pipelines = await ado.getPipelinesApi();
    const list = await pipelines.listPipelines('Platform');
    const prep = list.find((p) => p.name === 'Preparation Pipeline');
    expect(prep?.id).toBe(101);

    const run: Run = await pipelines.runPipeline(
      {
        stagesToSkip: ['Starting Maintenance', 'Post-Maintenance'],
        templateParameters: { window: '2025-06-22' },
        resources: { repositories: { self: { refName: 'refs/heads/main' } } },
        variables: { approver: { value: 'platform' }, token: { value: 's3cret', isSecret: true } },
      },
      'Platform',
      101,
    );
    expect(run.state).toBe(RunState.InProgress);
    expect(run.createdDate).toBeInstanceOf(Date);

    env.clock.advance(10 * 60_000);
    expect((await pipelines.getRun('Platform', 101, run.id as number)).state).toBe(RunState.InProgress);
    env.clock.advance(10 * 60_000);
    const done = await pipelines.getRun('Platform', 101, run.id as number);
    expect(done.state).toBe(RunState.Completed);
    expect(done.result).toBe(RunResult.Succeeded);
    expect(done.finishedDate?.toISOString()).toBe('2025-06-22T08:20:00.000Z');

    const builds = await ado.getBuildApi();
    const timeline = await builds.getBuildTimeline('Platform', run.id as number);
    expect(timeline.records?.map((r) => [r.name, r.state, r.result])).toEqual([
      ['Pre-Maintenance', TimelineRecordState.Completed, TaskResult.Succeeded],
      ['Starting Maintenance', TimelineRecordState.Completed, TaskResult.Skipped],
      ['Post-Maintenance', TimelineRecordState.Completed, TaskResult.Skipped],
    ]);

    const state = await env.state<DevOpsSnapshot>('devops');
    const stored = state.runs.find((r) => r.id === run.id);
    expect(stored).toMatchObject({ pipelineName: 'Preparation Pipeline', refName: 'refs/heads/main', stagesToSkip: ['Starting Maintenance', 'Post-Maintenance'], result: 'succeeded' });
    expect(stored?.variables['token']).toEqual({ isSecret: true });
  });

  it('records tag refs and the order runs were created, for dependency assertions', async () => {
    const pipelines = await ado.getPipelinesApi();
    const global = await pipelines.runPipeline({ resources: { repositories: { self: { refName: 'refs/tags/platform-0/1.26.0' } } } }, 'Platform', 110);
    env.clock.advance(30 * 60_000);
    expect((await pipelines.getRun('Platform', 110, global.id as number)).result).toBe(RunResult.Succeeded);
    await pipelines.runPipeline({ resources: { repositories: { self: { refName: 'refs/tags/platform-0/2.106.0' } } } }, 'Platform', 111);
    const state = await env.state<DevOpsSnapshot>('devops');
    const order = state.runs.filter((r) => r.pipelineId === 110 || r.pipelineId === 111).map((r) => [r.pipelineName, r.refName, r.seq]);
    expect(order).toEqual([
      ['Global_Infrastructure', 'refs/tags/platform-0/1.26.0', expect.any(Number)],
      ['Hub_Infrastructure', 'refs/tags/platform-0/2.106.0', expect.any(Number)],
    ]);
    expect(Number(order[1]?.[2])).toBeGreaterThan(Number(order[0]?.[2]));
  });

  it('fails a run at the faulted stage, and cancels one through the Builds API', async () => {
    const fault = await env.addFaults({ kind: 'devops-run', pipeline: 'Kong_Infrastructure', result: 'failed', stage: 'Plan', count: 1 });
    expect(fault.status).toBe(201);
    const pipelines = await ado.getPipelinesApi();
    const failing = await pipelines.runPipeline({}, 'Platform', 112);
    env.clock.advance(6 * 60_000);
    const failed = await pipelines.getRun('Platform', 112, failing.id as number);
    expect(failed.result).toBe(RunResult.Failed);

    const canceling = await pipelines.runPipeline({}, 'Platform', 112);
    env.clock.advance(60_000);
    const builds = await ado.getBuildApi();
    await builds.updateBuild({ status: BuildStatus.Cancelling }, 'Platform', canceling.id as number);
    const canceled = await pipelines.getRun('Platform', 112, canceling.id as number);
    expect(canceled.state).toBe(RunState.Completed);
    expect(canceled.result).toBe(RunResult.Canceled);
  });

  it('rejects unknown stages and unknown tags with Azure DevOps error bodies', async () => {
    const pipelines = await ado.getPipelinesApi();
    const badStage = (await pipelines.runPipeline({ stagesToSkip: ['Nope'] }, 'Platform', 101).catch((e: unknown) => e)) as { statusCode?: number; message: string };
    expect(badStage.statusCode).toBe(400);
    expect(badStage.message).toContain('Nope');
    const badTag = (await pipelines.runPipeline({ resources: { repositories: { self: { refName: 'refs/tags/0.0.0' } } } }, 'Platform', 110).catch((e: unknown) => e)) as { statusCode?: number; message: string };
    expect(badTag.statusCode).toBe(400);
    expect(badTag.message).toContain("Unable to resolve the reference 'refs/tags/0.0.0'");
    expect(await pipelines.getRun('Platform', 101, 99999)).toBeNull();
  });
});
