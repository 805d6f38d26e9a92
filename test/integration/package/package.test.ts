import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { DTS_CONNECTION_SETTING, deployHostJson, packageEntries, productionPackages, writeZip, type Lockfile } from '../../../scripts/package';
import { readZip, type ZipEntry } from '../../support/zip';

/**
 * `npm run package`'s zip, read back with an independent reader: what ships and what stays home,
 * then the unpacked package loaded by the local host's loader as Azure loads it (package.json
 * `main`, its own node_modules and nothing above it). Needs `npm run build` (npm test runs it).
 */

jest.setTimeout(180_000);

const ROOT = join(__dirname, '../../..');
const LOCK = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; dependencies: Record<string, string> };

let dir: string;
let zipFile: string;
let entries: ZipEntry[];
let names: string[];

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist/devhost/core/loader.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  dir = mkdtempSync(join(tmpdir(), 'mw-package-'));
  zipFile = join(dir, 'maintenance-windows.zip');
  await writeZip(packageEntries(ROOT, 'dts'), zipFile);
  entries = readZip(zipFile);
  names = entries.map((e) => e.name);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const under = (prefix: string) => names.filter((n) => n.startsWith(prefix));
const json = (name: string) => JSON.parse(entries.find((e) => e.name === name)!.read().toString('utf8')) as Record<string, unknown>;

describe('the package file list', () => {
  it('holds the compiled app, host.json and package.json at the root', () => {
    expect(names).toEqual(expect.arrayContaining(['host.json', 'package.json', 'dist/functions/http.js', 'dist/functions/orchestrations.js', 'dist/shared/config.js']));
    const outsideModules = names.filter((n) => !n.startsWith('node_modules/'));
    expect(outsideModules.filter((n) => !/^(host\.json|package\.json|\.funcignore|dist\/(functions|shared)\/.+\.js)$/.test(n))).toEqual([]);
  });

  it('has no local host, simulated estate, tests, benchmarks, command line, build scripts or TypeScript sources', () => {
    for (const dirName of ['devhost', 'sandbox', 'test', 'bench', 'cli', 'scripts', 'functions', 'shared', 'windows', 'infra']) {
      expect({ dir: dirName, files: under(`${dirName}/`) }).toEqual({ dir: dirName, files: [] });
      expect({ dir: `dist/${dirName}`, files: ['functions', 'shared'].includes(dirName) ? [] : under(`dist/${dirName}/`) }).toEqual({ dir: `dist/${dirName}`, files: [] });
    }
    expect(names.filter((n) => /\.[cm]?ts$/.test(n))).toEqual([]);
    expect(names.filter((n) => n.endsWith('.map') || n.includes('/.bin/'))).toEqual([]);
  });

  it('has no devDependency, direct or transitive, and every production dependency', () => {
    const devOnly = Object.entries(LOCK.packages).filter(([key, meta]) => key.startsWith('node_modules/') && meta.dev).map(([key]) => key);
    expect(devOnly.length).toBeGreaterThan(100);
    const shipped = new Set(names.filter((n) => n.endsWith('/package.json')).map((n) => n.slice(0, -'/package.json'.length)));
    expect(devOnly.filter((key) => shipped.has(key))).toEqual([]);
    // By name too: @types/node is also a dependency of a dependency, and type packages never ship.
    expect(Object.keys(PKG.devDependencies).filter((name) => under(`node_modules/${name}/`).length > 0)).toEqual([]);
    expect(productionPackages(LOCK).filter((key) => !shipped.has(key) && !LOCK.packages[key]?.optional)).toEqual([]);
    for (const name of Object.keys(PKG.dependencies)) expect(shipped).toContain(`node_modules/${name}`);
  });

  it('ships a package.json without scripts or devDependencies and a host.json for the Durable Task Scheduler', () => {
    const pkg = json('package.json');
    expect(pkg).not.toHaveProperty('devDependencies');
    expect(pkg).not.toHaveProperty('scripts');
    expect(pkg.main).toBe('dist/functions/*.js');
    const host = json('host.json') as { extensions: { durableTask: Record<string, unknown> }; extensionBundle: { version: string } };
    expect(host.extensions.durableTask.storageProvider).toEqual({ type: 'azureManaged', connectionStringName: DTS_CONNECTION_SETTING });
    expect(host.extensions.durableTask.hubName).toBe('%TASKHUB_NAME%');
    // The azureManaged provider ships in extension bundle 4.32.0 and later.
    expect(host.extensionBundle.version).toBe('[4.32.0, 5.0.0)');
  });

  it('keeps the Azure Storage provider (no storageProvider section) for the storage backend, and the repository host.json for the local host', () => {
    const repoHost = JSON.parse(readFileSync(join(ROOT, 'host.json'), 'utf8')) as { extensions: { durableTask: Record<string, unknown> } };
    expect(repoHost.extensions.durableTask).not.toHaveProperty('storageProvider');
    const storage = deployHostJson(repoHost, 'storage') as typeof repoHost;
    expect(storage.extensions.durableTask).not.toHaveProperty('storageProvider');
    expect(storage.extensions.durableTask.hubName).toBe('%TASKHUB_NAME%');
  });
});

/** Loads an app directory with the local host's loader in a fresh Node process; returns `name trigger-type` lines. */
function registeredFunctions(appDir: string): string[] {
  const script = `
    const { FunctionRegistry } = require(${JSON.stringify(join(ROOT, 'dist/devhost/core/functionsCore.js'))});
    const { loadApp } = require(${JSON.stringify(join(ROOT, 'dist/devhost/core/loader.js'))});
    const registry = new FunctionRegistry();
    loadApp(registry, process.argv[1]);
    process.stdout.write(JSON.stringify([...registry.functions.values()].map((f) => f.name + ' ' + f.trigger.type)));
  `;
  // cwd outside the repository: nothing may resolve from the checkout's node_modules.
  const out = execFileSync(process.execPath, ['-e', script, appDir], { cwd: tmpdir(), encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return (JSON.parse(out) as string[]).sort();
}

describe('the unpacked package', () => {
  it('loads with the local host loader from its own node_modules, and every function registers', () => {
    const appDir = join(dir, 'app');
    for (const e of entries) {
      const target = join(appDir, e.name);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, e.read());
    }
    const fromPackage = registeredFunctions(appDir);
    const fromCheckout = registeredFunctions(ROOT);
    expect(fromCheckout.length).toBeGreaterThan(10);
    expect(fromPackage).toEqual(fromCheckout);
    expect(fromPackage).toEqual(expect.arrayContaining([expect.stringMatching(/ orchestrationTrigger$/), expect.stringMatching(/ activityTrigger$/), expect.stringMatching(/ entityTrigger$/), expect.stringMatching(/ httpTrigger$/), expect.stringMatching(/ timerTrigger$/)]));
  });
});
