import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import ts from 'typescript';
import { DTS_CONNECTION_SETTING } from '../../../scripts/package';

/**
 * Settings, checked: every setting the app reads (shared/config.ts's schema, `%NAME%` in function
 * bindings and host.json, the deployed host.json's connection name) is set by the Bicep or is in a
 * documented list below; every setting the Bicep sets is read by the app or belongs to the platform.
 */

const ROOT = join(__dirname, '../../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Read by the app, never set on Azure: only the local host and the rehearsal set them (docs/deploy.md, "Settings"). */
const LOCAL_ONLY: Record<string, string> = {
  AzureWebJobsStorage: 'a connection string (UseDevelopmentStorage=true); Azure uses the identity-based AzureWebJobsStorage__* settings',
  MW_WINDOWS_DIR: 'window files on disk for the local host; on Azure windows are published to Blob storage',
  MW_IDENTITY_HEADER: 'the caller header of local-header mode, which the app refuses on Azure',
  MW_CA_FILE: "the simulated estate's CA",
  MW_CLOCK_URL: "the local host's virtual clock",
  MW_PROBE_OVERRIDE_URL: "the simulated web servers' listener for sanity probes",
  MW_AZURE_AUTHORITY_HOST: "the simulated estate's token endpoint; on Azure the managed identity",
  MW_AZURE_TENANT_ID: "the simulated estate's service principal; on Azure the managed identity",
  MW_AZURE_CLIENT_ID: "the simulated estate's service principal; on Azure the managed identity",
  MW_AZURE_CLIENT_SECRET: "the simulated estate's service principal; on Azure the managed identity",
  MW_CLOUDFLARE_BASE_URL: "the simulated vendor's listener; on Azure the vendor's public API",
  MW_SLACK_API_URL: "the simulated vendor's listener; on Azure the vendor's public API",
  MW_PINGDOM_BASE_URL: "the simulated vendor's listener; on Azure the vendor's public API",
  MW_MAILGUN_BASE_URL: "the simulated vendor's listener; on Azure the vendor's public API",
  MW_CONSUL_AGENT_CONNECT_URL: "the simulated Consul listener every node's agent answers on; on Azure each agent's own address",
};

/** Read by the app, deliberately left to their defaults on Azure (docs/deploy.md, "Settings"); vendorSettings may still set the vendor ones. */
const DEFAULT_ON_AZURE: Record<string, string> = {
  AzureWebJobsStorage__clientId: 'a user-assigned identity only; the app uses its system-assigned identity',
  MW_STORE_PREFIX: 'one app per storage account',
  MW_ARM_ENDPOINT: 'Azure public cloud Resource Manager',
  MW_KEYVAULT_URL_TEMPLATE: 'Azure public cloud vault names',
  MW_DEVOPS_KNOWN_STAGES: 'only for pipelines that have never run',
  MW_MAILGUN_KEY_ROLE: 'the role of the Mailgun keys a rotation creates (sending)',
  MW_PUBLIC_URL: 'links in notices default to https://WEBSITE_HOSTNAME; set it only for a custom domain',
  MW_CONSUL_AGENT_URL: "each node's agent at https://{node}:8501 by default; set it in vendorSettings when the agents answer elsewhere",
  MW_CONSUL_AGENTS: 'per-node exceptions to MW_CONSUL_AGENT_URL',
  MW_WINDOWS_VM_ID_TEMPLATE: "the Azure VM of a take-down's Windows machine; set it in vendorSettings for windows with takedown steps",
  MW_WINDOWS_VMS: 'per-machine exceptions to MW_WINDOWS_VM_ID_TEMPLATE',
  MW_OPSGENIE_URL: 'the US Opsgenie API; set it in vendorSettings for an EU account',
  MW_OPSGENIE_API_KEY: 'not yet used by a window (JSM maintenance is not wired into alert sets); a Key Vault reference once it is',
};

/** Read by the app, set by the platform on every instance (never by the Bicep). */
const PLATFORM_PROVIDED = ['WEBSITE_INSTANCE_ID', 'WEBSITE_HOSTNAME'];

/** Set by the Bicep for the Functions host or App Service, not read by the app. */
const PLATFORM_SETTING = /^(FUNCTIONS_|AzureWebJobs|APPLICATIONINSIGHTS_|WEBSITE_|MICROSOFT_PROVIDER_AUTHENTICATION_SECRET$)/;

/** The property names of shared/config.ts's `Env` schema (`const Env = z.object({...})`), read from the source. */
export function configKeys(source: string): string[] {
  const file = ts.createSourceFile('config.ts', source, ts.ScriptTarget.ES2022, true);
  const keys: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === 'Env' && node.initializer && ts.isCallExpression(node.initializer)) {
      const arg = node.initializer.arguments[0];
      if (arg && ts.isObjectLiteralExpression(arg)) {
        for (const p of arg.properties) if (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) keys.push(p.name.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (keys.length === 0) throw new Error('shared/config.ts: no `const Env = z.object({...})` schema found');
  return keys;
}

/** App settings named `%NAME%` in binding or host.json values (the host expands them). */
const tokens = (text: string): string[] => [...text.matchAll(/%([A-Za-z_][A-Za-z0-9_]*)%/g)].map((m) => m[1]!);

/**
 * The app settings app/function.bicep sets: the keys of its `var ...Settings = {...}` objects, which
 * `allSettings` must union (with the vendor settings and the Key Vault references built from
 * secretSettings and authSecretSettings), plus the vendor settings in main.parameters.json.
 */
export function bicepSettings(bicep: string, parameters: { parameters: Record<string, { value: unknown }> }): string[] {
  const code = bicep.replace(/\/\/.*$/gm, '');
  // Each `var ...Settings = ...` up to where its braces balance (an object may span lines).
  const blocks = new Map<string, string>();
  for (const m of code.matchAll(/^var (\w+Settings) = /gm)) {
    let depth = 0;
    let end = m.index + m[0].length;
    for (; end < code.length; end++) {
      const c = code[end];
      if (c === '{') depth++;
      else if (c === '}') depth--;
      else if (c === '\n' && depth === 0) break;
    }
    blocks.set(m[1]!, code.slice(m.index + m[0].length, end));
  }
  const all = /^var allSettings = union\(([^)]*)\)/m.exec(code)?.[1]?.split(',').map((s) => s.trim());
  if (!all) throw new Error('app/function.bicep: no `var allSettings = union(...)`');
  const viaReferences = /^var keyVaultReferences = .*union\((\w+), (\w+)\)/m.exec(code)?.slice(1) ?? [];
  const used = [...all.filter((n) => n !== 'keyVaultReferences' && n !== 'vendorSettings'), ...(all.includes('keyVaultReferences') ? viaReferences : [])];
  const keys: string[] = [];
  for (const name of used) {
    const block = blocks.get(name);
    if (block === undefined) throw new Error(`app/function.bicep: allSettings uses ${name}, which is not a \`var ...Settings = {...}\``);
    keys.push(...[...block.matchAll(/(?:^|[{\s])([A-Za-z_][A-Za-z0-9_]*)\s*:\s/gm)].map((m) => m[1]!));
  }
  if (all.includes('vendorSettings')) keys.push(...Object.keys((parameters.parameters.vendorSettings?.value as Record<string, unknown> | undefined) ?? {}));
  return [...new Set(keys)].sort();
}

/** What is wrong between the settings read and set, one line each; empty when right. */
export function settingProblems(reads: string[], sets: string[]): string[] {
  const allowed = new Set([...Object.keys(LOCAL_ONLY), ...Object.keys(DEFAULT_ON_AZURE), ...PLATFORM_PROVIDED]);
  return [
    ...reads.filter((s) => !sets.includes(s) && !allowed.has(s)).map((s) => `${s}: read by the app, set by neither the Bicep nor a documented list`),
    ...sets.filter((s) => !reads.includes(s) && !PLATFORM_SETTING.test(s)).map((s) => `${s}: set by the Bicep, read by nothing`),
    ...sets.filter((s) => s in LOCAL_ONLY).map((s) => `${s}: local-only, yet the Bicep sets it`),
  ];
}

const parameters = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, { value: unknown }> };
const functionBicep = read('infra/app/function.bicep');
const reads = [
  ...new Set([
    ...configKeys(read('shared/config.ts')),
    ...tokens(read('host.json')),
    ...readdirSync(join(ROOT, 'functions')).flatMap((f) => tokens(read(`functions/${f}`))),
    // The deployed host.json of the Durable Task Scheduler backend names its connection setting (scripts/package.ts).
    DTS_CONNECTION_SETTING,
  ]),
].sort();
const sets = bicepSettings(functionBicep, parameters);

describe('settings the app reads against settings the Bicep sets', () => {
  it('reads the schema keys of shared/config.ts and the host tokens', () => {
    expect(reads).toEqual(expect.arrayContaining(['AzureWebJobsStorage__accountName', 'MW_SLACK_TOKEN', 'MW_IDENTITY_MODE', 'TASKHUB_NAME', 'MW_SCHEDULER_SCHEDULE']));
    expect(sets).toEqual(expect.arrayContaining(['AzureWebJobsStorage__accountName', 'MW_SLACK_TOKEN', 'MW_IDENTITY_MODE', 'TASKHUB_NAME', 'MW_ALERT_RULES_SCOPE', 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING']));
  });

  it('every setting read is set or documented, every setting set is read or the platform\'s', () => {
    expect(settingProblems(reads, sets)).toEqual([]);
  });

  // The failing cases assert what a change adds to the problems, so they hold whatever the baseline is.
  const baseline = settingProblems(reads, sets);
  const added = (problems: string[]) => problems.filter((p) => !baseline.includes(p));

  it('fails when the Bicep stops setting one the app reads', () => {
    expect(added(settingProblems(reads, sets.filter((s) => s !== 'MW_IDENTITY_MODE')))).toEqual(['MW_IDENTITY_MODE: read by the app, set by neither the Bicep nor a documented list']);
    const withoutSecret = bicepSettings(functionBicep.replace(/^\s*MW_SLACK_TOKEN: .*$/m, ''), parameters);
    expect(added(settingProblems(reads, withoutSecret))).toEqual(['MW_SLACK_TOKEN: read by the app, set by neither the Bicep nor a documented list']);
  });

  it('fails when the Bicep sets one nothing reads, or a local-only one', () => {
    expect(reads).not.toContain('MW_TRUST_CLIENT_PRINCIPAL');
    expect(added(settingProblems(reads, [...sets, 'MW_TRUST_CLIENT_PRINCIPAL']))).toEqual(['MW_TRUST_CLIENT_PRINCIPAL: set by the Bicep, read by nothing']);
    expect(added(settingProblems(reads, [...sets, 'MW_CLOCK_URL']))).toEqual(['MW_CLOCK_URL: local-only, yet the Bicep sets it']);
  });

  it('sets the identity mode to App Service authentication and no longer trusts a flag or bakes in window files', () => {
    expect(functionBicep).toMatch(/MW_IDENTITY_MODE: 'app-service'/);
    expect(sets).not.toContain('MW_TRUST_CLIENT_PRINCIPAL');
    expect(sets).not.toContain('MW_WINDOWS_DIR');
  });

  it('docs/deploy.md names every setting left unset on Azure', () => {
    const doc = read('docs/deploy.md');
    expect([...Object.keys(LOCAL_ONLY), ...Object.keys(DEFAULT_ON_AZURE)].filter((s) => !doc.includes(`\`${s}\``))).toEqual([]);
  });
});
