import { readdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { AZURE_LISTENERS, callTemplate, readRecorded, RECORDED_FILE, resourceGroupOf, ROOT, type Recorded } from '../support/azureCalls';
import { rehearse, type CallRecord } from './harness';

/**
 * Regenerates the list of Azure operations the adapters call (test/fixtures/azure-calls.json) from
 * the end-to-end rehearsals: every example window, plus a secret rotation that fails verification
 * (the only path that disables a Key Vault secret version). The list is what the roles are checked
 * against (test/unit/infra/estate-roles.test.ts); a new call fails here until the list is
 * re-recorded with MW_RECORD_AZURE_CALLS=1 and the roles grant it.
 */

jest.setTimeout(900_000);

const REHEARSALS: { file: string; scenario?: Parameters<typeof rehearse>[1]; ends: string }[] = [
  ...readdirSync(join(ROOT, 'windows'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ file: `windows/${f}`, ends: 'succeeded' })),
  // Mailgun refuses the new key, so the rotation rolls back and the window fails, as it should.
  {
    file: 'test/fixtures/windows/e2e-mini.yaml',
    scenario: { faults: [{ listener: 'mailgun', method: 'GET', path: '/v4/domains*', status: 401, body: 'Forbidden', count: 10 }] },
    ends: 'failed',
  },
];

it('the Azure operations of every rehearsal are the recorded ones', async () => {
  const calls: CallRecord[] = [];
  for (const { file, scenario, ends } of REHEARSALS) {
    const report = await rehearse(file, scenario);
    expect({ file, state: report.status.state }).toEqual({ file, state: ends });
    calls.push(...report.calls.filter((c) => AZURE_LISTENERS.includes(c.listener)));
  }
  const observed: Recorded = {
    operations: [...new Set(calls.map(callTemplate))].sort(),
    resourceGroups: [...new Set(calls.filter((c) => c.listener === 'arm').map((c) => resourceGroupOf(c.path)).filter((g): g is string => g !== undefined))].sort(),
  };
  if (process.env.MW_RECORD_AZURE_CALLS === '1') writeFileSync(RECORDED_FILE, `${JSON.stringify(observed, null, 2)}\n`);
  expect(observed).toEqual(readRecorded());
});
