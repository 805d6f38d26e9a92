import { AzureAlertSuppressionClient, ALERT_RULES_API_VERSION } from '../../../shared/adapters/azure/alerts';
import { createArmResourceClient, type ArmResourceClient } from '../../../shared/adapters/azure/client';
import { estate, type ArmStateView } from '../sandbox/azure/harness';
import { expectTransient, useAdapterSandbox } from './harness';

const SUB = estate.subscriptionId;
const SCOPE = `/subscriptions/${SUB}/resourceGroups/RG-MGMT-PRD`;
const WEB1 = `/subscriptions/${SUB}/resourceGroups/RG-WEB-PRD/providers/Microsoft.Compute/virtualMachines/IC-Web1`;
const WEB2 = `/subscriptions/${SUB}/resourceGroups/RG-WEB-PRD/providers/Microsoft.Compute/virtualMachines/IC-Web2`;

const env = useAdapterSandbox();

function newArm(): ArmResourceClient {
  return createArmResourceClient({ credential: env.armCredential(), endpoint: env.sandbox.urls.arm, caPem: env.sandbox.caPem, retry: { maxRetries: 0 } });
}

const newAlerts = (): AzureAlertSuppressionClient => new AzureAlertSuppressionClient({ arm: newArm(), scope: SCOPE });
const rules = async (): Promise<ArmStateView['arm']['alertProcessingRules']> => (await env.state<ArmStateView['arm']>('arm')).alertProcessingRules;

describe('AzureAlertSuppressionClient against the simulated ARM', () => {
  it('upserts a suppression rule idempotently, lists it, deletes it, and deleting again is fine', async () => {
    const alerts = newAlerts();
    await alerts.upsertSuppression('mw-2025-06-22-web-batch-1', [WEB1, WEB2], 'Patching IC-Web1, IC-Web2');
    await alerts.upsertSuppression('mw-2025-06-22-web-batch-1', [WEB1, WEB2], 'Patching IC-Web1, IC-Web2');
    const stored = await rules();
    expect(Object.keys(stored)).toEqual(['mw-2025-06-22-web-batch-1']);
    expect(stored['mw-2025-06-22-web-batch-1']).toEqual({
      id: `${SCOPE}/providers/Microsoft.AlertsManagement/actionRules/mw-2025-06-22-web-batch-1`,
      properties: { scopes: [WEB1, WEB2], actions: [{ actionType: 'RemoveAllActionGroups' }], enabled: true, description: 'Patching IC-Web1, IC-Web2' },
    });
    const puts = await env.calls({ listener: 'arm', method: 'PUT', path: '*/actionRules/mw-2025-06-22-web-batch-1' });
    expect(puts.map((c) => [c.status, c.query['api-version']])).toEqual([
      [201, ALERT_RULES_API_VERSION],
      [200, ALERT_RULES_API_VERSION],
    ]);

    // A rule that routes to action groups is not a suppression; neither is a disabled one.
    const arm = newArm();
    const other = `${SCOPE}/providers/Microsoft.AlertsManagement/actionRules/route-to-oncall`;
    await arm.putResource(other, ALERT_RULES_API_VERSION, { location: 'Global', properties: { scopes: [WEB1], actions: [{ actionType: 'AddActionGroups', actionGroupIds: [`/subscriptions/${SUB}/resourceGroups/RG-MGMT-PRD/providers/microsoft.insights/actionGroups/oncall`] }] } });
    await arm.putResource(`${SCOPE}/providers/Microsoft.AlertsManagement/actionRules/off`, ALERT_RULES_API_VERSION, { location: 'Global', properties: { scopes: [WEB2], actions: [{ actionType: 'RemoveAllActionGroups' }], enabled: false } });
    expect(await newAlerts().listSuppressions()).toEqual([{ name: 'mw-2025-06-22-web-batch-1', scopes: [WEB1, WEB2] }]);

    await alerts.deleteSuppression('mw-2025-06-22-web-batch-1');
    expect(Object.keys(await rules()).sort()).toEqual(['off', 'route-to-oncall']);
    await alerts.deleteSuppression('mw-2025-06-22-web-batch-1');
    expect(await alerts.listSuppressions()).toEqual([]);
  });

  it('treats a 404 on delete as already gone, and a throttled or failing ARM as transient', async () => {
    await env.addFaults({ listener: 'arm', method: 'DELETE', path: '*/actionRules/*', status: 404, count: 1, body: { error: { code: 'ResourceNotFound', message: 'gone' } } });
    await newAlerts().deleteSuppression('mw-never-created');
    expect((await env.calls({ listener: 'arm', method: 'DELETE', path: '*/actionRules/mw-never-created' })).map((c) => [c.status, Boolean(c.faultId)])).toEqual([[404, true]]);
    await env.addFaults({ listener: 'arm', method: 'PUT', path: '*/actionRules/*', status: 429 });
    await expectTransient(newAlerts().upsertSuppression('mw-x', [WEB1], 'x'), 'azure', 429);
    await env.clearFaults();
    await env.addFaults({ listener: 'arm', method: 'GET', path: '*/actionRules', status: 503 });
    await expectTransient(newAlerts().listSuppressions(), 'azure', 503);
  });

  it('refuses bad names, scopes and configuration before calling Azure', async () => {
    const alerts = newAlerts();
    await expect(alerts.upsertSuppression('bad/name', [WEB1], 'x')).rejects.toThrow(/rule name/);
    await expect(alerts.upsertSuppression('mw-ok', [], 'x')).rejects.toThrow(/scopes must name at least one/);
    await expect(alerts.upsertSuppression('mw-ok', ['RG-WEB-PRD'], 'x')).rejects.toThrow(/scopes\[0\] must be an ARM id/);
    expect(() => new AzureAlertSuppressionClient({ arm: newArm(), scope: `/subscriptions/${SUB}` })).toThrow(/scope must look like/);
    expect(await rules()).not.toHaveProperty('mw-ok');
  });
});
