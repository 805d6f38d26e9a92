import { AzureComputeClient } from '../../../shared/adapters/azure/compute';
import { estateActivities } from '../../../shared/activities/estate';
import { RECYCLE_IIS } from '../../../shared/orchestrations/contracts';
import type { ArmStateView } from '../sandbox/azure/harness';
import { estate } from '../sandbox/azure/harness';
import { createDevOpsConnection } from '../../../shared/adapters/devops/client';
import { DevOpsPipelineClient } from '../../../shared/adapters/devops/pipelines';
import { SlackChatClient } from '../../../shared/adapters/slack/chat';
import { createSlackClient } from '../../../shared/adapters/slack/client';
import { pipelineActivities } from '../../../shared/activities/pipelines';
import { runActivities } from '../../../shared/activities/run';
import type { ActivityDeps } from '../../../shared/activities/types';
import type { DevOpsSnapshot } from '../../../sandbox/devops/service';
import type { SlackSnapshot } from '../../../sandbox/slack/service';
import { rejectionOf, useAdapterSandbox } from './harness';

const env = useAdapterSandbox();

/** The marks of a window record, in memory: all these activities keep of their own. */
function markStore(): ActivityDeps['store'] {
  const marks = new Map<string, string>();
  const store = {
    getMark: async (w: string, k: string) => marks.get(`${w}/${k}`),
    setMark: async (w: string, k: string, v: string) => void marks.set(`${w}/${k}`, v),
    claimMark: async (w: string, k: string, v: string) => (marks.has(`${w}/${k}`) ? false : (marks.set(`${w}/${k}`, v), true)),
    clearMark: async (w: string, k: string) => void marks.delete(`${w}/${k}`),
  };
  return store as unknown as ActivityDeps['store'];
}

function deps(ports: Partial<ActivityDeps['ports']>): ActivityDeps {
  return { ports: ports as ActivityDeps['ports'], store: markStore(), windows: {} as ActivityDeps['windows'] };
}

/** A write applied by the estate whose reply is lost (a connection reset after it), once. */
const lostReply = (listener: string, method: string, path: string) => ({ listener, method, path, reset: 'after', count: 1 });

describe('activities under a lost reply (the change applied, its answer lost)', () => {
  it('startPipeline: the retry adopts the run the lost reply hid instead of starting a second one', async () => {
    const pipelines = new DevOpsPipelineClient(createDevOpsConnection({ organizationUrl: `${env.sandbox.urls.devops}/invoicecloud`, pat: 'ado-sandbox-pat-mw-automation-0001', caFile: env.sandbox.caFile, maxRetries: 0 }));
    const { startPipeline } = pipelineActivities(deps({ pipelines }));
    const input = { windowId: 'w-lost', key: 'smoke', pipeline: { project: 'Platform', name: 'IC-Smoke-Tests', stages: [], refName: 'refs/heads/main', parameters: { baseUrl: 'https://www.invoicecloud.com' } } };
    const runsOf = async () => (await env.state<DevOpsSnapshot>('devops')).runs.filter((r) => r.pipelineName === 'IC-Smoke-Tests');
    const before = (await runsOf()).length;
    await env.addFaults(lostReply('devops', 'POST', '*/_apis/pipelines/*/runs'));

    // The durable retry policy retries what the first attempt throws (a transient "no answer").
    await rejectionOf(startPipeline(input));
    expect(await runsOf()).toHaveLength(before + 1);
    const retried = await startPipeline(input);

    const runs = await runsOf();
    expect(runs).toHaveLength(before + 1);
    expect(retried).toMatchObject({ ok: true, runId: runs.at(-1)?.id });
    // The retry started nothing: the one POST to the Runs API is the one whose reply was lost.
    expect((await env.calls({ listener: 'devops', method: 'POST', path: '*/runs' })).map((c) => c.reset)).toEqual(['after']);
  });

  it('beginRunCommand: the retry reads the named run command and follows it instead of running the script again', async () => {
    // As composed for the app: the SDK retries, except the run command PUT (the adapter sends that once).
    const compute = new AzureComputeClient({ credential: env.armCredential(), endpoint: env.sandbox.urls.arm, caPem: env.sandbox.caPem, retry: { maxRetries: 2, retryDelayInMs: 1 } });
    const { beginRunCommand, pollRunCommands } = estateActivities(deps({ compute }));
    const vmId = `/subscriptions/${estate.subscriptionId}/resourceGroups/RG-WEB-PRD/providers/Microsoft.Compute/virtualMachines/IC-Web8`;
    const input = { windowId: 'w-lost', key: 'run-1:recycle:recycle-iis:IC-Web8', server: { name: 'IC-Web8', vmId, host: 'ic-web8' }, request: { script: RECYCLE_IIS, shell: 'powershell' as const, parameters: {} } };
    const recycles = async () => (await env.state<ArmStateView['arm']>('arm')).virtualMachines['IC-Web8']?.appPools.MyIIS?.recycles ?? 0;
    const before = await recycles();
    await env.addFaults(lostReply('arm', 'PUT', '*/virtualMachines/IC-Web8/runCommands/*'));

    await rejectionOf(beginRunCommand(input));
    const retried = await beginRunCommand(input);
    expect(retried.ok).toBe(true);
    const token = retried.ok ? retried.token : '';
    env.clock.advance(60_000);
    expect(await pollRunCommands({ tokens: { 'IC-Web8': token } })).toMatchObject({ 'IC-Web8': { state: 'succeeded', result: { exitCode: 0, stdout: expect.stringContaining('IIS recycled') } } });

    // One script run: the one PUT is the one whose reply was lost; the retry only read the name.
    expect(await recycles()).toBe(before + 1);
    expect((await env.calls({ listener: 'arm', method: 'PUT', path: '*/IC-Web8/runCommands/*' })).map((c) => c.reset)).toEqual(['after']);
    expect((await env.calls({ listener: 'arm', method: 'GET', path: '*/IC-Web8/runCommands/*' })).map((c) => c.status)).toEqual([404, 200, 200]);
  });

  it('notify: the retry finds the posted message in the channel history instead of posting it again', async () => {
    const slack = (retries: number) => createSlackClient({ token: 'xoxb-sandbox-0001-maintenance-bot', apiUrl: `${env.sandbox.urls.slack}/api/`, caPem: env.sandbox.caPem, retryConfig: { retries, minTimeout: 1, maxTimeout: 5 } });
    // As composed for the app: reads retried by the SDK, posts not.
    const chat = new SlackChatClient(slack(2), { poster: slack(0) });
    const { notify } = runActivities(deps({ chat }));
    const text = 'Patching web batch 1 (lost-reply test)';
    const messages = async () => ((await env.state<SlackSnapshot>('slack')).channels.find((c) => c.name === 'dailyopsissues')?.messages ?? []).filter((m) => m.text === text);
    await env.addFaults(lostReply('slack', 'POST', '/api/chat.postMessage'));

    await rejectionOf(notify({ windowId: 'w-lost', key: 'batch-1', channels: ['#dailyopsissues'], text }));
    expect(await messages()).toHaveLength(1);
    expect(await notify({ windowId: 'w-lost', key: 'batch-1', channels: ['#dailyopsissues'], text })).toEqual({ posted: ['#dailyopsissues'] });

    expect(await messages()).toHaveLength(1);
    expect((await env.calls({ listener: 'slack', path: '/api/chat.postMessage' })).filter((c) => (c.body as { text?: string } | undefined)?.text === text)).toHaveLength(1);
    // A third call finds its mark and neither reads nor posts.
    const calls = (await env.calls({ listener: 'slack' })).length;
    await notify({ windowId: 'w-lost', key: 'batch-1', channels: ['#dailyopsissues'], text });
    expect((await env.calls({ listener: 'slack' })).length).toBe(calls);
  });

  it('notify once: a phase notice whose records storage lost is found in the channel, not posted again by the next step', async () => {
    const chat = new SlackChatClient(createSlackClient({ token: 'xoxb-sandbox-0001-maintenance-bot', apiUrl: `${env.sandbox.urls.slack}/api/`, caPem: env.sandbox.caPem }));
    const prefix = ':arrow_forward: Lost-records test: phase "Changes" has begun at ';
    const posted = async () => ((await env.state<SlackSnapshot>('slack')).channels.find((c) => c.name === 'dailyopsissues')?.messages ?? []).filter((m) => m.text.startsWith(prefix));
    const phaseNotice = (step: string, since: string) => ({ windowId: 'w-lost', key: 'run-1:phase:changes', channels: ['#dailyopsissues'], text: `${prefix}Sun 05:20 (${step} first).`, once: true, adopt: { prefix, since } });

    // The first step posts; then storage loses every mark it wrote (a fresh store).
    expect(await runActivities(deps({ chat })).notify(phaseNotice('internalnetwork-script', '2000-01-01T00:00:00Z'))).toEqual({ posted: ['#dailyopsissues'] });
    const first = await posted();
    expect(first).toHaveLength(1);
    const postedAt = Number(first[0]!.ts.split('.')[0]) * 1000;

    // A later step of the phase claims the notice again and finds that post since the run began.
    expect(await runActivities(deps({ chat })).notify(phaseNotice('myiis-redeploy', new Date(postedAt - 60_000).toISOString()))).toEqual({ posted: ['#dailyopsissues'] });
    expect(await posted()).toHaveLength(1);

    // A post from before the run began (an earlier run's) is not this run's: it posts.
    expect(await runActivities(deps({ chat })).notify(phaseNotice('myiis-redeploy', new Date(postedAt + 2_000).toISOString()))).toEqual({ posted: ['#dailyopsissues'] });
    expect(await posted()).toHaveLength(2);
  });

  it('notify once: a phase notice whose reply was lost is found by the next step of the phase, whose words differ', async () => {
    const slack = (retries: number) => createSlackClient({ token: 'xoxb-sandbox-0001-maintenance-bot', apiUrl: `${env.sandbox.urls.slack}/api/`, caPem: env.sandbox.caPem, retryConfig: { retries, minTimeout: 1, maxTimeout: 5 } });
    const chat = new SlackChatClient(slack(2), { poster: slack(0) });
    const { notify } = runActivities(deps({ chat }));
    const prefix = ':arrow_forward: Lost-reply test: phase "Testing" has begun at ';
    const posted = async () => ((await env.state<SlackSnapshot>('slack')).channels.find((c) => c.name === 'dailyopsissues')?.messages ?? []).filter((m) => m.text.startsWith(prefix));
    const phaseNotice = (step: string) => ({ windowId: 'w-lost-2', key: 'run-2:phase:testing', channels: ['#dailyopsissues'], text: `${prefix}Sun 08:48 (${step} first).`, once: true, adopt: { prefix, since: '2000-01-01T00:00:00Z' } });
    await env.addFaults(lostReply('slack', 'POST', '/api/chat.postMessage'));

    // The first step's post is stored but its reply lost: its claim is given back for a retry.
    await rejectionOf(notify(phaseNotice('page-down')));
    expect(await posted()).toHaveLength(1);
    // The phase's next step claims it, with its own words: it finds that post instead of posting.
    expect(await notify(phaseNotice('smoke-tests'))).toEqual({ posted: ['#dailyopsissues'] });
    expect(await posted()).toHaveLength(1);
  });
});
