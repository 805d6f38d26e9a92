/**
 * `npm run sandbox`: the simulated estate on its own, printing its endpoints and the CA path.
 * Runs until interrupted; state persists in --state-dir so a restart resumes operations.
 */
import { Command, InvalidArgumentError } from 'commander';
import os from 'os';
import path from 'path';
import { HttpClockFollower } from './core/clock';
import { DEFAULT_BASE_PORT, LISTENER_NAMES } from './core/ports';
import { startSandbox } from './core/sandbox';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535 - LISTENER_NAMES.length) throw new InvalidArgumentError(`--base-port must be an integer between 1 and ${65535 - LISTENER_NAMES.length}`);
  return n;
}

async function main(): Promise<void> {
  const program = new Command('sandbox')
    .description('Simulated estate: the vendors\' APIs over HTTPS for tests, local runs and rehearsals')
    .option('--base-port <port>', 'first port; listeners use base+0..base+10', port, DEFAULT_BASE_PORT)
    .option('--estate <file>', 'estate YAML (default sandbox/estate/default.yaml)')
    .option('--state-dir <dir>', 'CA, certificate and persisted state', path.join(os.tmpdir(), 'mw-sandbox'))
    .option('--clock-url <url>', 'follow the devhost virtual clock (MW_CLOCK_URL)')
    .option('--clock-per-request', 'read that clock before every request instead of polling it (exact under the event-driven clock)')
    .option('--clock-start-ms <ms>', 'the time until that clock first answers (epoch ms)', Number)
    .option('--fresh', 'ignore persisted state and start from the estate file')
    .option('--exit-with-stdin', 'stop when stdin closes (the process that started it is gone)')
    .parse();
  const opts = program.opts<{ basePort: number; estate?: string; stateDir: string; clockUrl?: string; clockPerRequest?: boolean; clockStartMs?: number; fresh?: boolean; exitWithStdin?: boolean }>();
  // Per request: the estate of `npm start -- --estate-process`, run by devhost/estateProcess.ts.
  const clock = opts.clockUrl && opts.clockPerRequest ? new HttpClockFollower(opts.clockUrl, { perRequest: true, ...(opts.clockStartMs !== undefined ? { initialMs: opts.clockStartMs } : {}) }) : undefined;
  await clock?.start();

  const sandbox = await startSandbox({
    basePort: opts.basePort,
    stateDir: opts.stateDir,
    resume: !opts.fresh,
    ...(opts.estate ? { estateFile: path.resolve(opts.estate) } : {}),
    ...(clock ? { clock } : opts.clockUrl ? { clockUrl: opts.clockUrl } : {}),
  });
  console.log('mw sandbox listening:');
  for (const name of LISTENER_NAMES) console.log(`  ${name.padEnd(11)} ${sandbox.urls[name]}`);
  console.log(`  state       ${sandbox.urls.control}/_sandbox/state`);
  console.log(`CA certificate: ${sandbox.caFile}`);
  console.log(`Trust it with NODE_EXTRA_CA_CERTS=${sandbox.caFile}`);
  console.log(`Clock: ${opts.clockUrl ? `following ${opts.clockUrl}` : 'system clock'}`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    sandbox
      .stop()
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        console.error(e);
        process.exit(1);
      });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (opts.exitWithStdin) {
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.resume();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
