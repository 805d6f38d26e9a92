import { z } from 'zod';
import type { Router, SandboxResponse } from '../core/types';
import { armRoute, type ArmRequest } from './armhttp';
import { ArmErrors } from './errors';
import { isoOf, type AzureModel } from './model';

/**
 * Azure Monitor alert processing rules (Microsoft.AlertsManagement/actionRules, api-version
 * 2021-08-08): the app creates one to suppress notifications for servers being patched and
 * deletes it afterwards, through generic ARM calls.
 */
const RULES = '/subscriptions/:sub/resourceGroups/:rg/providers/Microsoft.AlertsManagement/actionRules';

const Condition = z.object({ field: z.string().min(1), operator: z.enum(['Equals', 'NotEquals', 'Contains', 'DoesNotContain']), values: z.array(z.string()).min(1) });
const ActionRuleBody = z.object({
  location: z.string().default('Global'),
  tags: z.record(z.string(), z.string()).optional(),
  properties: z
    .object({
      scopes: z.array(z.string().min(1)).min(1),
      conditions: z.array(Condition).optional(),
      schedule: z
        .object({
          effectiveFrom: z.string().optional(),
          effectiveUntil: z.string().optional(),
          timeZone: z.string().optional(),
          recurrences: z.array(z.unknown()).optional(),
        })
        .optional(),
      actions: z
        .array(z.discriminatedUnion('actionType', [z.object({ actionType: z.literal('RemoveAllActionGroups') }), z.object({ actionType: z.literal('AddActionGroups'), actionGroupIds: z.array(z.string()).min(1) })]))
        .min(1),
      description: z.string().optional(),
      enabled: z.boolean().default(true),
    })
    .strict(),
});

function invalid(error: z.ZodError): SandboxResponse {
  const issue = error.issues[0];
  const field = issue ? issue.path.join('.') : '';
  return ArmErrors.badRequest('InvalidRequestContent', `The request content was invalid: '${field}' ${issue?.message ?? 'is invalid'}.`);
}

/** Registers PUT/GET/DELETE/list for alert processing rules. */
export function registerAlertRules(router: Router, model: AzureModel): void {
  const idOf = (req: ArmRequest): string => `/subscriptions/${model.subscriptionId}/resourceGroups/${req.params.rg ?? ''}/providers/Microsoft.AlertsManagement/actionRules/${req.params.name ?? ''}`;

  armRoute(router, model, 'GET', RULES, (req) => {
    const prefix = `/subscriptions/${model.subscriptionId}/resourcegroups/${(req.params.rg ?? '').toLowerCase()}/`;
    return { status: 200, body: { value: [...model.alertRules.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v) } };
  });
  armRoute(router, model, 'GET', `${RULES}/:name`, (req) => {
    const rule = model.alertRules.get(idOf(req).toLowerCase());
    return rule ? { status: 200, body: rule } : ArmErrors.resourceNotFound('Microsoft.AlertsManagement/actionRules', req.params.name ?? '', req.params.rg ?? '');
  });
  armRoute(router, model, 'PUT', `${RULES}/:name`, (req) => {
    const body = ActionRuleBody.safeParse(req.body);
    if (!body.success) return invalid(body.error);
    const id = idOf(req);
    const existing = model.alertRules.get(id.toLowerCase());
    const now = isoOf(model.now());
    const created = (existing?.systemData as { createdAt?: string } | undefined)?.createdAt ?? now;
    const rule = {
      id,
      name: req.params.name ?? '',
      type: 'Microsoft.AlertsManagement/actionRules',
      location: body.data.location,
      ...(body.data.tags ? { tags: body.data.tags } : {}),
      properties: body.data.properties,
      systemData: { createdBy: 'mw-sandbox', createdByType: 'Application', createdAt: created, lastModifiedBy: 'mw-sandbox', lastModifiedByType: 'Application', lastModifiedAt: now },
    };
    model.alertRules.set(id.toLowerCase(), rule);
    return { status: existing ? 200 : 201, body: rule };
  });
  armRoute(router, model, 'DELETE', `${RULES}/:name`, (req) => {
    const existed = model.alertRules.delete(idOf(req).toLowerCase());
    return { status: existed ? 200 : 204 };
  });
}
