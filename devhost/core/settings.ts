/**
 * host.json and local.settings.json, read the way Core Tools reads them: app settings
 * become environment variables (existing variables win) and `%Name%` in binding
 * properties and host.json values expands from them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const localSettingsSchema = z.object({
  IsEncrypted: z.boolean().optional(),
  Values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  Host: z.object({ LocalHttpPort: z.number().int().optional() }).passthrough().optional(),
}).passthrough();

/** Parsed local.settings.json. */
export type LocalSettings = z.infer<typeof localSettingsSchema>;

const hostJsonSchema = z.object({
  version: z.string().optional(),
  extensions: z
    .object({
      http: z.object({ routePrefix: z.string().optional() }).passthrough().optional(),
      durableTask: z
        .object({
          hubName: z.string().optional(),
          maxConcurrentActivityFunctions: z.number().int().positive().optional(),
          maxConcurrentOrchestratorFunctions: z.number().int().positive().optional(),
          // DurableTaskOptions.OverridableExistingInstanceStates (an enum; .NET binds it case-insensitively).
          overridableExistingInstanceStates: z
            .string()
            .transform((v, ctx) => {
              const match = ['NonRunningStates', 'AnyState'].find((o) => o.toLowerCase() === v.trim().toLowerCase());
              if (!match) ctx.addIssue({ code: 'custom', message: `must be NonRunningStates or AnyState, got "${v}"` });
              return match as 'NonRunningStates' | 'AnyState';
            })
            .optional(),
        })
        .passthrough()
        .optional(),
    })
    .passthrough()
    .optional(),
}).passthrough();

/** Parsed host.json (only the parts the host uses are typed). */
export type HostJson = z.infer<typeof hostJsonSchema>;

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

function formatIssues(file: string, error: z.ZodError): Error {
  const detail = error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  return new Error(`${file} is invalid: ${detail}`);
}

/** Read local.settings.json if present (it is optional, as in Core Tools). */
export function readLocalSettings(appDir: string, file = 'local.settings.json'): LocalSettings {
  const full = path.resolve(appDir, file);
  if (!fs.existsSync(full)) return {};
  const parsed = localSettingsSchema.safeParse(readJson(full));
  if (!parsed.success) throw formatIssues(full, parsed.error);
  return parsed.data;
}

/**
 * The settings file to use: the one asked for, else local.settings.json, else (a local
 * decision, not Core Tools') local.settings.sample.json, so a fresh clone runs; `fallback`
 * says when the sample was taken, for a notice.
 */
export function locateLocalSettings(appDir: string, file?: string): { file: string; fallback: boolean } {
  if (file) return { file, fallback: false };
  if (fs.existsSync(path.join(appDir, 'local.settings.json'))) return { file: 'local.settings.json', fallback: false };
  if (fs.existsSync(path.join(appDir, 'local.settings.sample.json'))) return { file: 'local.settings.sample.json', fallback: true };
  return { file: 'local.settings.json', fallback: false };
}

/** Read host.json (required by the Functions runtime). */
export function readHostJson(appDir: string): HostJson {
  const full = path.join(appDir, 'host.json');
  if (!fs.existsSync(full)) return { version: '2.0' };
  const parsed = hostJsonSchema.safeParse(readJson(full));
  if (!parsed.success) throw formatIssues(full, parsed.error);
  return parsed.data;
}

/** Copy app settings into `env` without overriding variables already set. */
export function applyAppSettings(settings: LocalSettings, env: NodeJS.ProcessEnv = process.env): void {
  for (const [key, value] of Object.entries(settings.Values ?? {})) {
    if (env[key] === undefined) env[key] = String(value);
  }
}

/** Expand `%Name%` from app settings; an unknown setting is an error naming it. */
export function expandAppSettings(value: string, env: NodeJS.ProcessEnv = process.env, where = 'value'): string {
  return value.replace(/%([^%]+)%/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) throw new Error(`${where}: app setting "${name}" referenced as %${name}% is not defined.`);
    return v;
  });
}

/** Expand `%Name%` in every string property of a binding. */
export function expandBinding<T extends Record<string, unknown>>(binding: T, env: NodeJS.ProcessEnv = process.env, where = 'binding'): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(binding)) {
    out[k] = typeof v === 'string' ? expandAppSettings(v, env, `${where}.${k}`) : v;
  }
  return out as T;
}
