/**
 * `npm run package`: the deployment package for Azure Functions (Flex Consumption, Node 22).
 *
 * It holds the compiled app (dist/functions, dist/shared), host.json for the chosen durable
 * backend, a trimmed package.json and the production dependencies only, and nothing else: no
 * devhost/, sandbox/, test/, bench/, cli/, TypeScript sources or devDependencies. Writes
 * `<out>/package/` (the directory azure.yaml's `dist` points azd at) and `<out>/maintenance-windows.zip`
 * (for `az functionapp deployment source config-zip` or a release pipeline).
 *
 * Usage: node dist/scripts/package.js [--out-dir out] [--backend dts|storage]
 * The backend defaults to the azd environment's DURABLE_BACKEND, else `dts`.
 */
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'fs';
import { dirname, join, resolve } from 'path';
import { ZipFile } from 'yazl';

export type DurableBackend = 'dts' | 'storage';

/** One file of the package: its path inside the package (POSIX) and where its bytes come from. */
export type PackageEntry = { path: string; source: string } | { path: string; content: Buffer };

/** The parts of package-lock.json (lockfileVersion 2 or 3) this script reads. */
export interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, { dev?: boolean; link?: boolean; optional?: boolean }>;
}

/** App code that runs on Azure: everything else under dist/ (devhost, sandbox, cli, test, bench, scripts) stays home. */
const APP_DIRS = ['dist/functions', 'dist/shared'];

/**
 * Files in dependencies Node never loads at run time: type declarations, TypeScript sources some
 * packages ship beside their JavaScript, and source maps. Dropping them takes the dependencies
 * from about 250 MB to 70 MB.
 */
const NOT_RUNTIME = /\.(?:d\.[cm]?ts|[cm]?ts|map)$/i;

/** Setting that names the Durable Task Scheduler connection (the name the extension's docs and the azd quickstart use). */
export const DTS_CONNECTION_SETTING = 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING';

/** One fixed timestamp for every entry, so the same inputs give the same zip. */
const FIXED_MTIME = new Date('2025-01-01T00:00:00Z');

/**
 * The production dependency directories (`node_modules/...`, nested ones included) from the
 * lockfile: every package npm would keep under `npm ci --omit=dev`. Read from the lockfile rather
 * than by walking node_modules, so a devDependency that happens to be installed never slips in.
 */
export function productionPackages(lock: Lockfile): string[] {
  if (lock.lockfileVersion < 2) throw new RangeError(`package-lock.json lockfileVersion ${lock.lockfileVersion}: version 2 or later is needed (npm 7+)`);
  return Object.entries(lock.packages)
    // @types/* hold declarations only (some dependencies list @types/node as a dependency); Node never loads them.
    .filter(([key, meta]) => key.startsWith('node_modules/') && !meta.dev && !meta.link && !/(^|\/)node_modules\/@types\//.test(key))
    .map(([key]) => key)
    .sort();
}

/**
 * host.json as deployed. The repository's host.json keeps the default Azure Storage provider, which
 * the local host emulates over Azurite. For the Durable Task Scheduler the deployed file names the
 * `azureManaged` provider: it has to be in the file itself, because the platform's scale controller
 * reads the durableTask section from the deployed host.json (SyncTriggers), not from app settings,
 * and the extension expands `%...%` only in hubName and connection names, never in the type.
 */
export function deployHostJson(host: Record<string, unknown>, backend: DurableBackend): Record<string, unknown> {
  const extensions = { ...((host.extensions as Record<string, unknown> | undefined) ?? {}) };
  const durableTask = { ...((extensions.durableTask as Record<string, unknown> | undefined) ?? {}) };
  delete durableTask.storageProvider;
  if (backend === 'dts') durableTask.storageProvider = { type: 'azureManaged', connectionStringName: DTS_CONNECTION_SETTING };
  extensions.durableTask = durableTask;
  return { ...host, extensions };
}

/** package.json as deployed: what the Functions host and Node read (main, engines), without scripts or devDependencies. */
export function deployPackageJson(pkg: Record<string, unknown>): Record<string, unknown> {
  const keep = ['name', 'version', 'description', 'private', 'license', 'main', 'engines', 'dependencies'];
  return Object.fromEntries(keep.filter((k) => pkg[k] !== undefined).map((k) => [k, pkg[k]]));
}

/** Files under `dir` (recursively), as paths relative to `dir`; `skipDir` prunes a subdirectory by name. */
function walk(dir: string, accept: (name: string) => boolean, skipDir: (name: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const visit = (abs: string, rel: string): void => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const childAbs = join(abs, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      // statSync follows links: npm may link a package directory.
      const isDir = entry.isDirectory() || (entry.isSymbolicLink() && statSync(childAbs).isDirectory());
      if (isDir) {
        if (!skipDir(entry.name)) visit(childAbs, childRel);
      } else if (accept(entry.name)) out.push(childRel);
    }
  };
  visit(dir, '');
  return out;
}

/** Every entry of the package for the app at `root` (built already), sorted by path. */
export function packageEntries(root: string, backend: DurableBackend): PackageEntry[] {
  const readJson = (file: string) => JSON.parse(readFileSync(join(root, file), 'utf8')) as Record<string, unknown>;
  const entries: PackageEntry[] = [
    { path: 'host.json', content: Buffer.from(`${JSON.stringify(deployHostJson(readJson('host.json'), backend), null, 2)}\n`) },
    { path: 'package.json', content: Buffer.from(`${JSON.stringify(deployPackageJson(readJson('package.json')), null, 2)}\n`) },
    // azd applies the service's .funcignore when it copies azure.yaml's `dist` directory; this one keeps everything staged.
    { path: '.funcignore', content: Buffer.from('# Staged by npm run package: everything here is deployed.\nlocal.settings.json\n') },
  ];
  for (const dir of APP_DIRS) {
    const abs = join(root, dir);
    if (!existsSync(abs)) throw new Error(`${dir} is missing: run \`npm run build\` first`);
    for (const rel of walk(abs, (name) => name.endsWith('.js'))) entries.push({ path: `${dir}/${rel}`, source: join(abs, rel) });
  }
  // node_modules may be a link (a git worktree sharing one install); read through it.
  const modules = realpathSync(join(root, 'node_modules'));
  const lock = readJson('package-lock.json') as unknown as Lockfile;
  for (const pkgDir of productionPackages(lock)) {
    const abs = join(modules, pkgDir.slice('node_modules/'.length));
    if (!existsSync(abs)) {
      // Optional packages for other platforms are in the lockfile but not installed.
      if (lock.packages[pkgDir]?.optional) continue;
      throw new Error(`${pkgDir} is in package-lock.json but not installed: run \`npm ci\``);
    }
    // Nested node_modules are their own lockfile entries; .bin holds links to dev tools.
    for (const rel of walk(abs, (name) => !NOT_RUNTIME.test(name), (name) => name === 'node_modules' || name === '.bin')) {
      entries.push({ path: `${pkgDir}/${rel}`, source: join(abs, rel) });
    }
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Writes the entries as a zip (deflated, fixed timestamps); resolves to its size in bytes. */
export function writeZip(entries: PackageEntry[], file: string): Promise<number> {
  mkdirSync(dirname(file), { recursive: true });
  const zip = new ZipFile();
  for (const e of entries) {
    if ('content' in e) zip.addBuffer(e.content, e.path, { mtime: FIXED_MTIME, mode: 0o100644 });
    else zip.addFile(e.source, e.path, { mtime: FIXED_MTIME, mode: 0o100644 });
  }
  zip.end();
  return new Promise((resolvePromise, reject) => {
    const out = createWriteStream(file);
    zip.outputStream.on('error', reject).pipe(out).on('error', reject).on('close', () => resolvePromise(statSync(file).size));
  });
}

/** Copies the entries into `dir` (emptied first): the directory azd deploys. */
export function stage(entries: PackageEntry[], dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  for (const e of entries) {
    const target = join(dir, e.path);
    mkdirSync(dirname(target), { recursive: true });
    if ('content' in e) writeFileSync(target, e.content);
    else copyFileSync(e.source, target);
  }
}

function parseBackend(value: string | undefined): DurableBackend {
  const v = (value ?? 'dts').toLowerCase();
  if (v !== 'dts' && v !== 'storage') throw new RangeError(`durable backend must be "dts" or "storage": got "${value}"`);
  return v;
}

async function main(argv: string[]): Promise<void> {
  const root = resolve(__dirname, '../..');
  let outDir = join(root, 'out');
  let backend = parseBackend(process.env.DURABLE_BACKEND || undefined);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--out-dir' && value) {
      outDir = resolve(value);
      i++;
    } else if (arg === '--backend' && value) {
      backend = parseBackend(value);
      i++;
    } else throw new RangeError(`unknown argument ${arg ?? ''}; usage: package [--out-dir DIR] [--backend dts|storage]`);
  }
  const entries = packageEntries(root, backend);
  stage(entries, join(outDir, 'package'));
  const zipFile = join(outDir, 'maintenance-windows.zip');
  const bytes = await writeZip(entries, zipFile);
  const raw = entries.reduce((n, e) => n + ('content' in e ? e.content.length : statSync(e.source).size), 0);
  console.log(`${zipFile}: ${entries.length} files, ${(raw / 1e6).toFixed(1)} MB unpacked, ${(bytes / 1e6).toFixed(1)} MB zipped (durable backend: ${backend})`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`package: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
