import type { OnCallMaintenanceClient } from '../../ports/oncall';
import { callVendor } from '../http/errors';
import type { OpsgenieClient } from './client';

const VENDOR = 'opsgenie';

/**
 * {@link OnCallMaintenanceClient} over Opsgenie's REST API: names resolve against the account's
 * integrations, then its alert policies; a maintenance is a `schedule` with a `disabled` rule per
 * entity; ending it early cancels it (a maintenance already past or cancelled counts as ended).
 */
export class OpsgenieMaintenanceClient implements OnCallMaintenanceClient {
  constructor(private readonly opsgenie: OpsgenieClient) {}

  async findEntities(names: string[]): Promise<{ id: string; type: 'integration' | 'policy' }[]> {
    const integrations = await callVendor(VENDOR, 'list integrations', () => this.opsgenie.listIntegrations());
    const policies = await callVendor(VENDOR, 'list alert policies', () => this.opsgenie.listAlertPolicies());
    return names.map((name) => {
      const key = name.trim().toLowerCase();
      const integration = integrations.find((i) => i.id === name || i.name.toLowerCase() === key);
      if (integration) return { id: integration.id, type: 'integration' as const };
      const policy = policies.find((p) => p.id === name || p.name.toLowerCase() === key);
      if (policy) return { id: policy.id, type: 'policy' as const };
      throw Object.assign(new Error(`${VENDOR}: no integration or alert policy named ${name}`), { code: 'EntityNotFound' });
    });
  }

  async startMaintenance(description: string, entities: { id: string; type: 'integration' | 'policy' }[], from: Date, to: Date): Promise<string> {
    if (entities.length === 0) throw new RangeError('entities must name at least one integration or policy');
    if (!(to.getTime() > from.getTime())) throw new RangeError('to must be after from');
    // Opsgenie takes no idempotency key: a create whose answer was lost is found in the list of
    // maintenances not yet over, by its description and times, instead of creating a second one.
    const existing = await callVendor(VENDOR, 'list maintenances', () => this.opsgenie.listMaintenances());
    const same = existing.find(
      (m) => m.description === description && m.status !== 'cancelled' && sameInstant(m.time.startDate, from) && sameInstant(m.time.endDate, to),
    );
    if (same) return same.id;
    const created = await callVendor(VENDOR, 'create a maintenance', () =>
      this.opsgenie.createMaintenance({ description, startDate: from.toISOString(), endDate: to.toISOString(), rules: entities.map((entity) => ({ entity, state: 'disabled' as const })) }),
    );
    return created.id;
  }

  async endMaintenance(maintenanceId: string): Promise<void> {
    const current = await callVendor(VENDOR, `read maintenance ${maintenanceId}`, () => this.opsgenie.getMaintenance(maintenanceId));
    if (!current || current.status === 'past' || current.status === 'cancelled') return;
    await callVendor(VENDOR, `cancel maintenance ${maintenanceId}`, () => this.opsgenie.cancelMaintenance(maintenanceId));
  }
}

function sameInstant(iso: string | undefined, at: Date): boolean {
  return iso !== undefined && Date.parse(iso) === at.getTime();
}
