import { join } from 'path';
import { spawnSync } from 'child_process';

/** The determinism fence is a lint rule, so prove the rule bites where it must and nowhere else. */

const root = join(__dirname, '../../..');
const PROBE = `
import * as fs from 'fs';
import { SecretClient } from '@azure/keyvault-secrets';
import { loadConfig } from '../config';
import * as df from 'durable-functions';
import type { ComputeClient } from '../ports/compute';
export function probe(): unknown {
  void fs; void SecretClient; void loadConfig; void df;
  const c: ComputeClient | undefined = undefined;
  setTimeout(() => undefined, 1);
  return [Date.now(), Math.random(), new Date(), process.env.X, c];
}
`;

/** ESLint runs as the CLI does (its ESM config cannot load inside jest's module system). */
async function lint(filePath: string): Promise<string[]> {
  const run = spawnSync(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', filePath, '--format', 'json'], {
    cwd: root,
    input: PROBE,
    encoding: 'utf8',
  });
  const [result] = JSON.parse(run.stdout) as { messages: { line: number; ruleId: string | null }[] }[];
  return result!.messages.map((m) => `${m.line}:${m.ruleId ?? 'fatal'}`);
}

describe('orchestrator determinism fence', () => {
  it('rejects I/O, SDKs, config, clocks, randomness and timers in orchestrator code', async () => {
    const messages = await lint('shared/orchestrations/probe.ts');
    expect(messages).toEqual(
      expect.arrayContaining([
        '2:@typescript-eslint/no-restricted-imports', // fs
        '3:@typescript-eslint/no-restricted-imports', // SDK
        '4:@typescript-eslint/no-restricted-imports', // config
        '10:no-restricted-globals', // setTimeout
        '11:no-restricted-properties', // Date.now
        '11:no-restricted-syntax', // new Date()
        '11:no-restricted-globals', // process
      ]),
    );
    expect(messages.filter((m) => m.endsWith('no-restricted-properties'))).toHaveLength(2); // Date.now, Math.random
    // durable-functions and type-only imports of ports are allowed.
    expect(messages).not.toContain('5:@typescript-eslint/no-restricted-imports');
    expect(messages).not.toContain('6:@typescript-eslint/no-restricted-imports');
  });

  it('leaves activities free to do I/O', async () => {
    const messages = await lint('shared/activities/probe.ts');
    expect(messages.filter((m) => /no-restricted/.test(m))).toEqual([]);
  });
});
