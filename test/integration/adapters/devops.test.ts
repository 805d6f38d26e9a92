import { createDevOpsConnection } from '../../../shared/adapters/devops/client';
import { DevOpsPipelineClient, type DevOpsPipelineClientOptions } from '../../../shared/adapters/devops/pipelines';
import type { DevOpsSnapshot } from '../../../sandbox/devops/service';
import { expectPermanent, expectTransient, useAdapterSandbox } from './harness';

const PAT = 'ado-sandbox-pat-mw-automation-0001';
const PREP_STAGES = ['Pre-Maintenance', 'Starting Maintenance', 'Post-Maintenance'];
const env = useAdapterSandbox();

function client(options: DevOpsPipelineClientOptions = {}, pat = PAT): DevOpsPipelineClient {
  return new DevOpsPipelineClient(createDevOpsConnection({ organizationUrl: `${env.sandbox.urls.devops}/invoicecloud`, pat, caFile: env.sandbox.caFile, maxRetries: 0 }), options);
}

async function runs() {
  return (await env.state<DevOpsSnapshot>('devops')).runs;
}

describe('DevOpsPipelineClient against the simulated Azure DevOps', () => {
  it('finds pipeline ids by name, case-insensitively', async () => {
    const ado = client();
    expect(await ado.findPipelineId('Platform', 'preparation pipeline')).toBe(101);
    expect(await ado.findPipelineId('Platform', 'MyIIS')).toBe(203);
    expect(await ado.findPipelineId('Platform', 'No Such Pipeline')).toBeUndefined();
    await expectPermanent(ado.findPipelineId('NoProject', 'x'), /^devops: project NoProject was not found$/);
  });

  it('refuses to run some stages of a pipeline whose stages it cannot learn, instead of running it whole', async () => {
    const before = (await runs()).length;
    await expectPermanent(
      client().runPipeline({ project: 'Platform', pipelineName: 'Preparation Pipeline', stages: ['Pre-Maintenance'], refName: 'refs/heads/main', parameters: {} }),
      /cannot run only stages Pre-Maintenance of Platform\/Preparation Pipeline.*knownStages/,
    );
    expect(await runs()).toHaveLength(before);
  });

  it('runs one stage with the others skipped (configured stages), at a branch, and follows it to completion', async () => {
    const ado = client({ knownStages: { 'Platform/Preparation Pipeline': PREP_STAGES } });
    const started = await ado.runPipeline({ project: 'Platform', pipelineName: 'Preparation Pipeline', stages: ['pre-maintenance'], refName: 'refs/heads/main', parameters: { window: '2025-06-22' } });
    expect(started).toMatchObject({ state: 'inProgress', url: expect.stringContaining(`buildId=${started.runId}`) });
    expect(started.result).toBeUndefined();
    const stored = (await runs()).find((r) => r.id === started.runId);
    expect(stored).toMatchObject({ pipelineId: 101, refName: 'refs/heads/main', stagesToSkip: ['Starting Maintenance', 'Post-Maintenance'], templateParameters: { window: '2025-06-22' } });

    env.clock.advance(10 * 60_000);
    expect(await ado.getRun('Platform', 101, started.runId)).toMatchObject({ runId: started.runId, state: 'inProgress' });
    env.clock.advance(10 * 60_000);
    expect(await ado.getRun('Platform', 101, started.runId)).toMatchObject({ runId: started.runId, state: 'completed', result: 'succeeded' });
    const timeline = (await runs()).find((r) => r.id === started.runId)?.stageTimeline.map((s) => [s.name, s.result]);
    expect(timeline).toEqual([
      ['Pre-Maintenance', 'succeeded'],
      ['Starting Maintenance', 'skipped'],
      ['Post-Maintenance', 'skipped'],
    ]);
  });

  it("learns the stages from the latest run's timeline when none are configured", async () => {
    const ado = client();
    const run = await ado.runPipeline({ project: 'Platform', pipelineName: 'Preparation Pipeline', pipelineId: 101, stages: ['Starting Maintenance'], refName: 'refs/heads/main', parameters: {} });
    expect((await runs()).find((r) => r.id === run.runId)?.stagesToSkip).toEqual(['Pre-Maintenance', 'Post-Maintenance']);
    expect((await env.calls({ listener: 'devops', path: '/invoicecloud/Platform/_apis/build/builds/*/Timeline*' })).length).toBe(1);

    // Remembered per pipeline: a second run reads no timeline, and a stage the pipeline lacks never reaches the API.
    const posts = (await env.calls({ listener: 'devops', method: 'POST' })).length;
    await expectPermanent(ado.runPipeline({ project: 'Platform', pipelineName: 'Preparation Pipeline', pipelineId: 101, stages: ['Nope'], parameters: {} }), /has no stage Nope \(its stages: Pre-Maintenance, Starting Maintenance, Post-Maintenance\)/);
    expect((await env.calls({ listener: 'devops', method: 'POST' })).length).toBe(posts);
    expect((await env.calls({ listener: 'devops', path: '/invoicecloud/Platform/_apis/build/builds/*/Timeline*' })).length).toBe(1);
  });

  it('sends the stages as a template parameter when so configured and the stages are unknown', async () => {
    const run = await client({ stageParameter: 'stages' }).runPipeline({ project: 'Platform', pipelineName: 'MyIIS', stages: ['Staging', 'Production'], refName: 'refs/heads/release/2025-06', parameters: {} });
    expect((await runs()).find((r) => r.id === run.runId)).toMatchObject({ stagesToSkip: [], templateParameters: { stages: 'Staging,Production' }, refName: 'refs/heads/release/2025-06' });
  });

  it('runs infrastructure pipelines at tags with template parameters, in order, and reports failures', async () => {
    const ado = client();
    const global = await ado.runPipeline({ project: 'Platform', pipelineName: 'Global_Infrastructure', stages: [], refName: 'refs/tags/platform-0/1.26.0', parameters: {} });
    const script = await ado.runPipeline({ project: 'Platform', pipelineName: 'Infrastructure_OneTime_Scripts', stages: [], refName: 'refs/heads/main', parameters: { script: 'PLAT-1722/Invoke-Change.ps1', environment: 'PRD' } });
    const stored = await runs();
    expect(stored.find((r) => r.id === global.runId)).toMatchObject({ pipelineName: 'Global_Infrastructure', refName: 'refs/tags/platform-0/1.26.0', stagesToSkip: [] });
    expect(stored.find((r) => r.id === script.runId)).toMatchObject({ templateParameters: { script: 'PLAT-1722/Invoke-Change.ps1', environment: 'PRD' } });
    expect(stored.find((r) => r.id === script.runId)?.seq).toBeGreaterThan(stored.find((r) => r.id === global.runId)?.seq ?? Infinity);

    await expectPermanent(ado.runPipeline({ project: 'Platform', pipelineName: 'Global_Infrastructure', stages: [], refName: 'refs/tags/0.0.0', parameters: {} }), /devops: could not run pipeline .*400 Unable to resolve the reference 'refs\/tags\/0\.0\.0'/);
    await expectPermanent(ado.runPipeline({ project: 'Platform', pipelineName: 'Infrastructure_OneTime_Scripts', stages: [], parameters: { nope: 'x' } }), /Unexpected parameter 'nope'/);
    await expect(ado.runPipeline({ project: 'Platform', pipelineName: 'Global_Infrastructure', stages: [], refName: 'platform-0/1.26.0', parameters: {} })).rejects.toThrow(RangeError);
    await expectPermanent(ado.runPipeline({ project: 'Platform', pipelineName: 'Missing', stages: [], parameters: {} }), /pipeline Platform\/Missing was not found/);

    await env.addFaults({ kind: 'devops-run', pipeline: 'Kong_Infrastructure', result: 'failed', stage: 'Plan', count: 1 });
    const kong = await ado.runPipeline({ project: 'Platform', pipelineName: 'Kong_Infrastructure', stages: [], refName: 'refs/tags/platform-0/2.42.0', parameters: {} });
    env.clock.advance(6 * 60_000);
    expect(await ado.getRun('Platform', 112, kong.runId)).toMatchObject({ state: 'completed', result: 'failed' });
    await expectPermanent(ado.getRun('Platform', 112, 99999), /run 99999 of pipeline 112 in Platform was not found/);
  });

  it('maps a bad PAT to a permanent error and a 503 on the run POST to TransientVendorError (no run created)', async () => {
    await expectPermanent(client({}, 'wrong-pat-value-123').findPipelineId('Platform', 'MyIIS'), /devops: could not .*401.*personal access token/, ['wrong-pat-value-123']);

    const before = (await runs()).length;
    await env.addFaults({ listener: 'devops', method: 'POST', path: '/invoicecloud/Platform/_apis/pipelines/*/runs', status: 503, count: 1 });
    await expectTransient(client().runPipeline({ project: 'Platform', pipelineName: 'Hub_Infrastructure', pipelineId: 111, stages: [], refName: 'refs/tags/platform-0/2.106.0', parameters: {} }), 'devops', 503);
    expect(await runs()).toHaveLength(before);
  });
});
