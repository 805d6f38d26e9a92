import { restorePoller } from '@azure/arm-compute';
import { mkdtempSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import { AZURE_START, ManualClock, startHarness, RG_WEB } from './harness';

const BASE = 27620;

test('a restarted sandbox with the same state dir resumes an installPatches the poller started before the restart', async () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'mw-sbx-restart-'));
  const clock = new ManualClock(AZURE_START);
  try {
    const first = await startHarness(BASE, { stateDir, clock, resume: false });
    const caBefore = first.sandbox.caPem;
    const clients = first.clients();
    const poller = clients.compute.virtualMachines.installPatches(RG_WEB, 'IC-Web10', { maximumDuration: 'PT4H', rebootSetting: 'IfRequired', windowsParameters: { classificationsToInclude: ['Security'] } });
    await poller.submitted();
    const saved = await poller.serialize();
    await first.sandbox.stop();

    const second = await startHarness(BASE, { stateDir, clock });
    try {
      // Same CA: clients that trusted the first run still trust this one.
      expect(second.sandbox.caPem).toBe(caBefore);
      clock.advance(4 * 3600_000);
      // The old client (cached token, same absolute URLs) polls the new process to completion.
      const resumed = restorePoller(clients.compute, saved, clients.compute.virtualMachines.installPatches, { updateIntervalInMs: 10 });
      const result = await resumed.pollUntilDone();
      expect(result).toMatchObject({ status: 'Succeeded', installedPatchCount: 1 });
      const vm = second.state().arm.virtualMachines['IC-Web10'];
      expect(vm?.patchLevel).toBe('2025-06');
      expect(vm?.patchHistory).toHaveLength(1);
      // The old client's token was accepted (signing key persisted): no new token request.
      expect(second.sandbox.calls({ listener: 'login' })).toHaveLength(0);
    } finally {
      await second.sandbox.stop();
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
