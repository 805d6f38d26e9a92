import { execFile, spawn, type ChildProcess } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { get as httpsGet } from 'https';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { REHEARSAL_NODE_FLAGS } from '../../devhost/heap';

/**
 * A window kept running for a test: a rehearsal with `--serve --speed 1` whose approval gate
 * nobody answers, so the window waits while the test talks to the real API, the `mw` command
 * and the simulated estate. `glance()` is what a refused request must leave unchanged.
 */
export interface LiveWindow {
  windowId: string;
  hostUrl: string;
  masterKey: string;
  /** Runs `mw` against the live app (MW_API_URL and MW_FUNCTION_KEY set; MW_USER on-call). */
  mw(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** GET on the estate's control API (its own CA). */
  estateGet(route: string): Promise<string>;
  /** The run, its pages and events, every orchestration, and the estate's DNS calls. */
  glance(): Promise<unknown>;
  until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T>;
  /** A scratch folder removed by stop(). */
  dir: string;
  stop(): Promise<void>;
}

// The checkout: test/e2e from the sources (jest), dist/test/e2e when compiled (bench/fuzz.ts).
const root = existsSync(join(__dirname, '../../package.json')) ? join(__dirname, '../..') : join(__dirname, '../../..');
const MW = join(root, 'dist/cli/mw.js');

export async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 3000; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gave up waiting for ${what}`);
}

export async function startLiveWindow(windowFile = 'test/fixtures/windows/e2e-mini.yaml', gate = 'go-ahead'): Promise<LiveWindow> {
  const children: ChildProcess[] = [];
  try {
    return await start(windowFile, gate, children);
  } catch (error) {
    // A rehearsal that did not come up must not outlive the test (it holds its ports).
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    throw error;
  }
}

async function start(windowFile: string, gate: string, children: ChildProcess[]): Promise<LiveWindow> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-live-'));
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify({ approvals: { [gate]: 'ignore' } }));
  const args = [...REHEARSAL_NODE_FLAGS, join(root, 'dist/devhost/rehearse.js'), join(root, windowFile), '--serve', '--keep', '--quiet', '--speed', '1', '--scenario', join(dir, 'scenario.json'), '--dir', join(dir, 'rehearsal')];
  // Ports the system picks: nothing else running on the machine can collide with them.
  args.push('--port', '0', '--base-port', '0');
  if (process.env.DEVHOST_TEST_STORAGE) args.push('--storage', process.env.DEVHOST_TEST_STORAGE);
  const child: ChildProcess = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const alive = () => {
    if (child.exitCode !== null) throw new Error(`the rehearsal ended (exit ${child.exitCode}): ${out.slice(-2000)}`);
  };
  // The rehearsal says where its host, logs and estate are; its settings file beside the log holds the key.
  const [, hostUrl, log, estateUrl] = await until('the rehearsal host', async () => (alive(), /host (http:\/\/\S+) \(logs (\S+)\), estate (https:\/\/\S+)/.exec(out) ?? undefined));
  const rehearsalDir = dirname(log!);
  const settings = JSON.parse(readFileSync(join(rehearsalDir, 'local.settings.json'), 'utf8')) as { Keys: { master: string }; Values: { MW_CA_FILE: string } };
  const caPem = readFileSync(settings.Values.MW_CA_FILE, 'utf8');
  const masterKey = settings.Keys.master;
  const env = { ...process.env, MW_API_URL: hostUrl, MW_FUNCTION_KEY: masterKey, MW_USER: 'on-call-engineer' };
  const windowId = /^id: (\S+)$/m.exec(readFileSync(join(root, windowFile), 'utf8'))![1]!;

  const mw = (...a: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [MW, ...a], { env }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
    });
  const estateGet = (route: string) =>
    new Promise<string>((resolve, reject) => {
      httpsGet(new URL(route, estateUrl), { ca: caPem }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
  const glance = async () => {
    const status = JSON.parse((await mw('status', windowId, '--json')).stdout) as { state: string; revision: string; maintenancePages: unknown; events: unknown[]; steps: { id: string; state: string }[] };
    const instances = (await fetch(`${hostUrl}/runtime/webhooks/durabletask/instances`).then((r) => r.json())) as { instanceId: string }[];
    const calls = JSON.parse(await estateGet('/_sandbox/calls?listener=cloudflare')) as unknown[];
    return { state: status.state, revision: status.revision, pages: status.maintenancePages, events: status.events.length, steps: status.steps, instances: instances.map((i) => i.instanceId).sort(), cloudflareCalls: calls.length };
  };

  await until(`the gate ${gate} to open`, async () => {
    alive();
    const r = await mw('status', windowId, '--json');
    return r.code === 0 && (JSON.parse(r.stdout) as { approvalsPending: unknown[] }).approvalsPending.length > 0 ? true : undefined;
  });

  return {
    windowId,
    hostUrl: hostUrl!,
    masterKey,
    mw,
    estateGet,
    glance,
    until,
    dir,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
      // --keep kept the rehearsal's folder (for its settings file); it goes with the test.
      rmSync(rehearsalDir, { recursive: true, force: true });
    },
  };
}
