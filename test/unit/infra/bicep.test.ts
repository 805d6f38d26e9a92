import { existsSync, readdirSync, readFileSync } from 'fs';
import { dirname, join } from 'path';
import { parse } from 'yaml';

/**
 * No Bicep compiler runs here (docs/deploy.md makes `az bicep build` the first step), so these
 * checks catch what a compiler would at the seams: every module exists and gets exactly the
 * parameters it declares (all required ones, no unknown ones), main.parameters.json names only
 * real parameters and every required one, and the security-relevant settings stay as designed.
 */

const ROOT = join(__dirname, '../../..');
const INFRA = join(ROOT, 'infra');
const read = (file: string) => readFileSync(file, 'utf8');
const code = (file: string) => read(file).replace(/\/\/.*$/gm, '');

interface Param {
  name: string;
  required: boolean;
}

/** `param name type [= default]` declarations. */
function paramsOf(file: string): Param[] {
  return [...code(file).matchAll(/^param (\w+) [\w.]+( =)?/gm)].map((m) => ({ name: m[1]!, required: m[2] === undefined }));
}

/** The text of the brace-balanced object that starts at `from` (at a `{`). */
function objectAt(text: string, from: number): string {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(from, i + 1);
  }
  throw new Error('unbalanced braces');
}

/** Top-level keys of an object literal's text (nested objects skipped). */
function keysOf(object: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  const inner = object.slice(1, -1);
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '{' || c === '[' || c === '(') depth++;
    else if (c === '}' || c === ']' || c === ')') depth--;
    else if (depth === 0) {
      const m = /^(?:^|[\s,])([A-Za-z_]\w*)\s*:/.exec(inner.slice(i));
      if (m && (i === 0 || /[\s,{]/.test(inner[i - 1] ?? '') || /[\s,]/.test(c ?? ''))) {
        keys.push(m[1]!);
        i += m[0].length - 1;
      }
    }
  }
  return keys;
}

interface ModuleUse {
  file: string;
  symbol: string;
  path: string;
  params: string[];
}

function modulesOf(file: string): ModuleUse[] {
  const text = code(file);
  return [...text.matchAll(/^module (\w+) '([^']+)' = /gm)].map((m) => {
    const body = objectAt(text, text.indexOf('{', m.index + m[0].length));
    const at = /\bparams:\s*\{/.exec(body);
    return { file, symbol: m[1]!, path: join(dirname(file), m[2]!), params: at ? keysOf(objectAt(body, at.index + at[0].length - 1)) : [] };
  });
}

const bicepFiles = [join(INFRA, 'main.bicep'), ...readdirSync(join(INFRA, 'app')).filter((f) => f.endsWith('.bicep')).map((f) => join(INFRA, 'app', f))];

/** Module uses that pass an undeclared parameter or miss a required one, one line each. */
function moduleProblems(uses: ModuleUse[]): string[] {
  const problems: string[] = [];
  for (const use of uses) {
    if (!existsSync(use.path)) {
      problems.push(`${use.symbol}: ${use.path} does not exist`);
      continue;
    }
    const declared = paramsOf(use.path);
    for (const p of use.params) if (!declared.some((d) => d.name === p)) problems.push(`${use.symbol}: passes ${p}, which the module does not declare`);
    for (const d of declared) if (d.required && !use.params.includes(d.name)) problems.push(`${use.symbol}: does not pass required ${d.name}`);
  }
  return problems;
}

describe('Bicep seams', () => {
  const uses = bicepFiles.flatMap(modulesOf);

  it('every module exists and gets exactly the parameters it declares', () => {
    expect(uses.length).toBeGreaterThan(8);
    expect(uses.find((u) => u.symbol === 'func')?.params).toEqual(expect.arrayContaining(['authClientId', 'keyVaultUri', 'dtsEndpoint']));
    expect(moduleProblems(uses)).toEqual([]);
  });

  it('fails on a misspelt or missing module parameter, or a missing module', () => {
    const func = uses.find((u) => u.symbol === 'func')!;
    const broken = { ...func, params: [...func.params.filter((p) => p !== 'authClientId' && p !== 'keyVaultUri'), 'authClientID'] };
    expect(moduleProblems([broken])).toEqual(['func: passes authClientID, which the module does not declare', 'func: does not pass required keyVaultUri', 'func: does not pass required authClientId']);
    expect(moduleProblems([{ ...func, path: join(INFRA, 'app/nowhere.bicep') }])).toEqual([`func: ${join(INFRA, 'app/nowhere.bicep')} does not exist`]);
  });

  it('every module output used is declared by that module', () => {
    const problems: string[] = [];
    for (const file of bicepFiles) {
      const mine = uses.filter((u) => u.file === file);
      for (const m of code(file).matchAll(/\b(\w+)\.outputs\.(\w+)/g)) {
        const use = mine.find((u) => u.symbol === m[1]);
        if (!use) problems.push(`${file}: ${m[0]} names no module`);
        else if (!new RegExp(`^output ${m[2]} `, 'm').test(code(use.path))) problems.push(`${file}: ${m[0]} is not an output of ${use.path}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('main.parameters.json names only parameters main.bicep declares, and every required one', () => {
    const declared = paramsOf(join(INFRA, 'main.bicep'));
    const given = Object.keys((JSON.parse(read(join(INFRA, 'main.parameters.json'))) as { parameters: Record<string, unknown> }).parameters);
    expect(given.filter((g) => !declared.some((d) => d.name === g))).toEqual([]);
    expect(declared.filter((d) => d.required && !given.includes(d.name)).map((d) => d.name)).toEqual([]);
  });

  it('every JSON file loadJsonContent names exists', () => {
    for (const file of bicepFiles) {
      for (const m of code(file).matchAll(/loadJsonContent\('([^']+)'\)/g)) expect(existsSync(join(dirname(file), m[1]!))).toBe(true);
    }
  });
});

describe('the deployment as designed', () => {
  const fn = code(join(INFRA, 'app/function.bicep'));
  const rbac = code(join(INFRA, 'app/rbac.bicep'));

  it('runs on Flex Consumption, Node 22, with a system-assigned identity', () => {
    expect(fn).toMatch(/sku: \{ tier: 'FlexConsumption', name: 'FC1' \}/);
    expect(fn).toMatch(/runtime: \{ name: 'node', version: '22' \}/);
    expect(fn).toMatch(/identity: \{ type: 'SystemAssigned' \}/);
  });

  it('requires Entra sign-in, answers 401 to anyone else, and lets only Slack\'s signed route through', () => {
    expect(fn).toMatch(/requireAuthentication: true/);
    expect(fn).toMatch(/unauthenticatedClientAction: 'Return401'/);
    expect(fn).toMatch(/excludedPaths: \['\/api\/slack\/interactions'\]/);
    expect(fn).toMatch(/azureActiveDirectory: \{\s*enabled: true/);
    expect(fn).not.toMatch(/AllowAnonymous|MW_TRUST_CLIENT_PRINCIPAL/);
  });

  it('sends telemetry with Entra auth: local auth off, Monitoring Metrics Publisher, the authentication string', () => {
    expect(code(join(INFRA, 'app/monitoring.bicep'))).toMatch(/DisableLocalAuth: true/);
    expect(rbac).toMatch(/3913510d-42f4-4e42-8a64-420c390055eb/);
    expect(rbac).toMatch(/scope: insights/);
    expect(fn).toMatch(/APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'/);
  });

  it('gives the app Durable Task Data Contributor on the scheduler and reads vendor secrets only', () => {
    expect(rbac).toMatch(/0ad04412-c4d5-4796-b79c-f76d14c8d402/);
    expect(rbac).toMatch(/scope: scheduler/);
    expect(rbac).toMatch(/4633458b-17de-408a-b874-0445c86b69e6/); // Key Vault Secrets User
  });

  it('azure.yaml deploys the packaged directory as a function app without a remote build', () => {
    const azure = parse(read(join(ROOT, 'azure.yaml'))) as { services: Record<string, { project: string; host: string; language: string; dist: string; remoteBuild: boolean }> };
    expect(azure.services.api).toEqual({ project: '.', language: 'js', host: 'function', dist: 'out/package', remoteBuild: false });
    expect(fn).toMatch(/'azd-service-name': 'api'/);
  });
});
