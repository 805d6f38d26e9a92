/**
 * Benchmark (not a test): N sub-orchestrations x M trivial activities through the local
 * host, with the task hub persisted in Azurite. Reports activities per second, total
 * real time, peak RSS and replay cost (events fed to orchestrators), for several N.
 *
 *   npm run build && node dist/bench/devhost/fanout.js            # 10, 100, 300 children x 100
 *   node dist/bench/devhost/fanout.js --one 100 --width 100      # one configuration
 *   add --memory to run without storage
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { freePort, startAzurite } from '../../devhost/azurite';
import { startHost } from '../../devhost/host';

const APP = path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'conformance-app');

interface Result {
  children: number;
  width: number;
  activities: number;
  seconds: number;
  activitiesPerSecond: number;
  peakRssMb: number;
  episodes: number;
  replayedEvents: number;
  storage: string;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function runOne(children: number, width: number, memory: boolean): Promise<Result> {
  const azurite = memory ? undefined : await startAzurite({ blobPort: await freePort(), queuePort: 0, tablePort: 0, blobOnly: true });
  process.env.CONFORMANCE_HUB = 'bench';
  const host = await startHost({
    appDir: APP,
    port: 0,
    storage: memory ? 'memory' : 'azurite',
    connectionString: azurite?.connectionString,
    startAzurite: false,
    taskHub: `bench${children}x${width}`,
    quietInvocations: true,
    logFile: path.join(os.tmpdir(), `devhost-bench-${process.pid}.log`),
    maxConcurrentActivities: 100,
  });
  const started = performance.now();
  const res = await fetch(`${host.url}/runtime/webhooks/durabletask/orchestrators/FanOutBench/bench`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ children, width }),
  });
  if (res.status !== 202) throw new Error(`start failed: HTTP ${res.status}`);
  for (;;) {
    const status = host.hub.getStatus('bench');
    if (status && ['Completed', 'Failed', 'Terminated'].includes(status.runtimeStatus)) {
      const n = children * width;
      const expectedSum = n * (n - 1); // sum of 2*i for i < n
      if (status.runtimeStatus !== 'Completed' || status.output !== expectedSum) throw new Error(`unexpected result: ${JSON.stringify(status)}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  await host.hub.flushed();
  const p = host.hub.progress();
  await host.stop();
  await azurite?.stop();
  const activities = children * width;
  return {
    children,
    width,
    activities,
    seconds: Math.round(seconds * 100) / 100,
    activitiesPerSecond: Math.round(activities / seconds),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    episodes: p.episodes,
    replayedEvents: p.replayedEvents,
    storage: memory ? 'memory' : 'azurite',
  };
}

async function main(): Promise<void> {
  const width = Number(arg('--width') ?? 100);
  const memory = process.argv.includes('--memory');
  const one = arg('--one');
  if (one) {
    const result = await runOne(Number(one), width, memory);
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  // One process per configuration: @azure/functions-core is process-wide, and RSS stays comparable.
  const rows: Result[] = [];
  for (const children of [10, 100, 300]) {
    const child = spawnSync(process.execPath, [__filename, '--one', String(children), '--width', String(width), ...(memory ? ['--memory'] : [])], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`bench ${children} failed: ${child.stderr}`);
    rows.push(JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as Result);
  }
  console.log('| sub-orchestrations x activities | activities | real time (s) | activities/s | peak RSS (MB) | episodes | replayed events | replayed events per sub-orchestration |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.children} x ${r.width} | ${r.activities} | ${r.seconds} | ${r.activitiesPerSecond} | ${r.peakRssMb} | ${r.episodes} | ${r.replayedEvents} | ${Math.round(r.replayedEvents / r.children)} |`,
    );
  }
  console.log(`storage: ${rows[0]?.storage ?? ''}, node ${process.version}, ${os.cpus().length} cores`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
