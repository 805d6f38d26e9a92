import type { AlertSuppressionClient } from '../../ports/alerts';
import type { ArmResourceClient } from './client';
import { callAzure, errorCodeOf, isNotFound, toAzurePortError } from './errors';
import { parseResourceGroupId } from './ids';

/** Alert processing rules' api-version (Microsoft.AlertsManagement/actionRules). */
export const ALERT_RULES_API_VERSION = '2021-08-08';

/** Options for {@link AzureAlertSuppressionClient}. */
export interface AzureAlertSuppressionClientOptions {
  /** Generic ARM client (createArmResourceClient). */
  arm: ArmResourceClient;
  /** Where the rules live: `/subscriptions/{id}/resourceGroups/{name}`. */
  scope: string;
}

/** ARM resource names: letters, digits, '-', '_', '.'; up to 260 characters, not ending in '.'. */
const RULE_NAME = /^[A-Za-z0-9_.-]{1,260}$/;

interface ActionRuleWire {
  name?: string;
  properties?: { scopes?: string[]; actions?: { actionType?: string }[]; enabled?: boolean };
}

/**
 * {@link AlertSuppressionClient} over Azure Monitor alert processing rules: a suppression is an
 * enabled rule with the RemoveAllActionGroups action on the given scopes (alerts still fire and
 * are recorded; nobody is paged). Rules live in one configured resource group.
 */
export class AzureAlertSuppressionClient implements AlertSuppressionClient {
  private readonly arm: ArmResourceClient;
  private readonly scope: string;

  constructor(options: AzureAlertSuppressionClientOptions) {
    const { subscriptionId, resourceGroup } = parseResourceGroupId(options.scope, 'scope');
    this.arm = options.arm;
    this.scope = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
  }

  /** Creates or replaces the rule (one PUT; replaying it changes nothing). */
  async upsertSuppression(name: string, scopes: string[], description: string): Promise<void> {
    const id = this.ruleId(name);
    if (scopes.length === 0) throw new TypeError('scopes must name at least one resource, resource group or subscription');
    scopes.forEach((s, i) => {
      if (!/^\/subscriptions\/[^/]+(\/.*)?$/i.test(s)) throw new TypeError(`scopes[${i}] must be an ARM id starting with /subscriptions/: got '${s}'`);
    });
    const body = {
      location: 'Global',
      properties: {
        scopes,
        actions: [{ actionType: 'RemoveAllActionGroups' }],
        enabled: true,
        // ARM caps descriptions at 2048 characters.
        description: description.slice(0, 2048),
      },
    };
    await callAzure(`set alert processing rule ${name}`, () => this.arm.putResource(id, ALERT_RULES_API_VERSION, body));
  }

  /** Deletes the rule; a rule that is already gone is success. */
  async deleteSuppression(name: string): Promise<void> {
    const id = this.ruleId(name);
    try {
      await this.arm.deleteResource(id, ALERT_RULES_API_VERSION);
    } catch (e) {
      // 404 on the rule is "already gone"; a missing resource group or subscription is a configuration error.
      const code = errorCodeOf(e);
      if (isNotFound(e) && code !== 'ResourceGroupNotFound' && code !== 'SubscriptionNotFound') return;
      throw toAzurePortError(`delete alert processing rule ${name}`, e);
    }
  }

  /** The enabled suppression rules (RemoveAllActionGroups) in the configured resource group. */
  async listSuppressions(): Promise<{ name: string; scopes: string[] }[]> {
    const rules = await callAzure('list alert processing rules', () => this.arm.listResources<ActionRuleWire>(`${this.scope}/providers/Microsoft.AlertsManagement/actionRules`, ALERT_RULES_API_VERSION));
    return rules
      .filter((r) => r.properties?.enabled !== false && (r.properties?.actions ?? []).some((a) => a.actionType === 'RemoveAllActionGroups'))
      .map((r) => ({ name: r.name ?? '', scopes: r.properties?.scopes ?? [] }));
  }

  private ruleId(name: string): string {
    if (!RULE_NAME.test(name) || name.endsWith('.')) throw new TypeError(`rule name must be 1-260 letters, digits, '-', '_' or '.', not ending in '.': got '${name}'`);
    return `${this.scope}/providers/Microsoft.AlertsManagement/actionRules/${name}`;
  }
}
