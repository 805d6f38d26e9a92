/**
 * Loads a function app as Azure does: the files named by package.json `main`
 * (globs allowed), after `@azure/functions-core` has been provided.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { assertSupportedBindings } from '../bindings/catalog';
import { type FunctionRegistry, installFunctionsCore } from './functionsCore';

/** Expand a package.json `main` value (a path or a glob with `*`, `**`, `?`, `{a,b}`) into files. */
export function expandMainGlob(appDir: string, pattern: string): string[] {
  const normalized = pattern.replace(/\\/g, '/').replace(/^\.\//, '');
  if (!/[*?{]/.test(normalized)) {
    const file = path.resolve(appDir, normalized);
    return fs.existsSync(file) ? [file] : [];
  }
  const segments = normalized.split('/');
  const fixed: string[] = [];
  while (segments.length > 0 && !/[*?{]/.test(segments[0] ?? '')) fixed.push(segments.shift() ?? '');
  const base = path.resolve(appDir, ...fixed);
  const regex = globToRegExp(segments.join('/'));
  const results: string[] = [];
  const walk = (dir: string, rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name === 'node_modules') continue;
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, childRel);
      else if (regex.test(childRel)) results.push(full);
    }
  };
  walk(base, '');
  return results.sort();
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) throw new Error(`package.json main: unbalanced "{" in "${glob}"`);
      re += `(?:${glob.slice(i + 1, end).split(',').map(escapeRegExp).join('|')})`;
      i = end;
    } else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** Read `main` from the app's package.json; a clear error when it is missing. */
export function readMain(appDir: string): string {
  const pkgPath = path.join(appDir, 'package.json');
  let pkg: unknown;
  try {
    pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read ${pkgPath}: ${(err as Error).message}`);
  }
  const main = (pkg as { main?: unknown }).main;
  if (typeof main !== 'string' || main.trim() === '') {
    throw new Error(`${pkgPath}: "main" must name the app's entry file(s) (a path or glob such as "dist/functions/*.js").`);
  }
  return main;
}

/** Load the app into this process; returns the files loaded. */
export function loadApp(registry: FunctionRegistry, appDir: string, mainOverride?: string): string[] {
  installFunctionsCore(registry);
  const main = mainOverride ?? readMain(appDir);
  const files = expandMainGlob(appDir, main).filter((f) => /\.(c|m)?js$/.test(f));
  if (files.length === 0) throw new Error(`package.json main "${main}" matched no .js files under ${appDir} (did you run the build?).`);
  // A real Node require, so the app resolves `@azure/functions-core` through Module._resolveFilename.
  const load = createRequire(path.join(appDir, 'package.json'));
  for (const file of files) load(file);
  if (!registry.programmingModel) {
    throw new Error(`The app loaded from "${main}" registered nothing through @azure/functions.`);
  }
  assertSupportedBindings(registry);
  return files;
}
