import { ContractBook, LISTENER_SPECS, loadValidator, validatorInstalled, VALIDATOR_PACKAGE, type CheckedRequest } from '../../../sandbox/core/contracts';
import { createHttpsFetch } from '../../../shared/adapters/http/https';
import { startControlledSandbox, type ControlledSandbox } from './common';
import { defaultEstateFile, loadEstateFile } from '../../../sandbox/estate/load';
import { serviceFactories } from '../../../sandbox/services';

const SUB = '/subscriptions/3f6b2c1e-8a4d-4e2f-9b7c-5d1a0e6f4c28';
const NET = `${SUB}/resourceGroups/RG-NETWORK-PRD/providers/Microsoft.Network`;

function req(method: string, path: string, body?: unknown, query: Record<string, string> = {}, headers: Record<string, string> = {}): CheckedRequest {
  const raw = body === undefined ? Buffer.alloc(0) : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return { method, path, query: new URLSearchParams(query), headers: { ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers }, body: typeof body === 'string' ? undefined : body, rawBody: raw };
}

/** A call each vendor's spec accepts, one with a path the vendor does not have, and one with a field it does not have. */
const CASES: { listener: string; good: CheckedRequest; madeUpPath: CheckedRequest; madeUpField: CheckedRequest; field: string }[] = [
  {
    listener: 'arm',
    good: req('PUT', `${NET}/applicationGateways/agw`, { location: 'eastus', properties: { backendAddressPools: [{ name: 'web', properties: { backendAddresses: [{ ipAddress: '10.0.0.1' }, { fqdn: 'a.example' }] } }] } }, { 'api-version': '2025-05-01' }),
    madeUpPath: req('POST', `${NET}/applicationGateways/agw/drain`, undefined, { 'api-version': '2025-05-01' }),
    // A pool member written as `ip` instead of `ipAddress`.
    madeUpField: req('PUT', `${NET}/applicationGateways/agw`, { location: 'eastus', properties: { backendAddressPools: [{ name: 'web', properties: { backendAddresses: [{ ip: '10.0.0.1' }] } }] } }, { 'api-version': '2025-05-01' }),
    field: 'requestBody.properties.backendAddressPools.0.properties.backendAddresses.0',
  },
  {
    listener: 'keyvault',
    good: req('PUT', '/secrets/db-password', { value: 'x', contentType: 'text/plain' }, { 'api-version': '2025-07-01' }),
    madeUpPath: req('POST', '/secrets/db-password/rotate', undefined, { 'api-version': '2025-07-01' }),
    madeUpField: req('PUT', '/secrets/db-password', { value: 'x', expiresOn: 1 }, { 'api-version': '2025-07-01' }),
    field: 'requestBody',
  },
  {
    listener: 'cloudflare',
    good: req('PATCH', '/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/dns_records/372e67954025e0ba6aaa6d586b9e0b59', { content: '203.0.113.7' }),
    madeUpPath: req('POST', '/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/maintenance_page', {}),
    madeUpField: req('PATCH', '/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/dns_records/372e67954025e0ba6aaa6d586b9e0b59', { content: '203.0.113.7', origin: 'x' }),
    field: 'requestBody',
  },
  {
    listener: 'slack',
    good: req('POST', '/api/chat.postMessage', 'channel=C1&text=hi', {}, { 'content-type': 'application/x-www-form-urlencoded' }),
    madeUpPath: req('POST', '/api/chat.postApproval', 'channel=C1', {}, { 'content-type': 'application/x-www-form-urlencoded' }),
    madeUpField: req('POST', '/api/chat.postMessage', 'channel=C1&text=hi&urgent=true', {}, { 'content-type': 'application/x-www-form-urlencoded' }),
    field: 'requestBody',
  },
  {
    listener: 'devops',
    good: req('POST', '/contoso/Platform/_apis/pipelines/42/runs', { resources: { repositories: { self: { refName: 'refs/tags/v1' } } }, stagesToSkip: ['Deploy'] }),
    madeUpPath: req('POST', '/contoso/Platform/_apis/pipelines/42/approve', {}),
    madeUpField: req('POST', '/contoso/Platform/_apis/pipelines/42/runs', { stagesToRun: ['Deploy'] }),
    field: 'requestBody',
  },
  {
    listener: 'pingdom',
    good: req('POST', '/api/3.1/maintenance', { description: 'w', from: 1, to: 2, uptimeids: '1,2' }),
    madeUpPath: req('POST', '/api/3.1/checks/pause', {}),
    madeUpField: req('POST', '/api/3.1/maintenance', { description: 'w', from: 1, to: 2, checks: [1] }),
    field: 'requestBody',
  },
  {
    listener: 'mailgun',
    good: req('GET', '/v1/keys', undefined, { domain_name: 'mg.example.com', kind: 'domain' }),
    madeUpPath: req('POST', '/v1/keys/rotate', {}),
    madeUpField: req('GET', '/v1/keys', undefined, { domain: 'mg.example.com' }),
    field: 'query.domain',
  },
  {
    listener: 'consul',
    good: req('PUT', '/v1/agent/maintenance', undefined, { enable: 'true', reason: 'window' }),
    // The path only the old simulator had.
    madeUpPath: req('PUT', '/node/bp-apiui-01/v1/agent/maintenance', undefined, { enable: 'true' }),
    madeUpField: req('PUT', '/v1/agent/maintenance', undefined, { enable: 'true', node: 'bp-apiui-01' }),
    field: 'query.node',
  },
  {
    listener: 'opsgenie',
    good: req('POST', '/v1/maintenance', { description: 'w', time: { type: 'schedule', startDate: '2025-06-22T09:00:00Z', endDate: '2025-06-22T21:00:00Z' }, rules: [{ state: 'disabled', entity: { id: 'i1', type: 'integration' } }] }),
    madeUpPath: req('POST', '/v1/integrations/i1/disable', {}),
    madeUpField: req('POST', '/v1/maintenance', { description: 'w', time: { type: 'schedule' }, rules: [{ entity: { id: 'i1', type: 'integration' } }], integrations: ['i1'] }),
    field: 'requestBody',
  },
  {
    listener: 'login',
    good: req('POST', '/tenant/oauth2/v2.0/token', 'grant_type=client_credentials&client_id=a&client_secret=b&scope=s', {}, { 'content-type': 'application/x-www-form-urlencoded' }),
    madeUpPath: req('POST', '/tenant/oauth2/v2.0/refresh', ''),
    madeUpField: req('POST', '/tenant/oauth2/v2.0/token', 'grant_type=client_credentials&client_id=a&scope=s&tenant_hint=x', {}, { 'content-type': 'application/x-www-form-urlencoded' }),
    field: 'requestBody',
  },
];

/** Form bodies arrive parsed, as the sandbox core gives them to the checker. */
function parsed(r: CheckedRequest): CheckedRequest {
  const type = String(r.headers['content-type'] ?? '');
  return type.includes('x-www-form-urlencoded') ? { ...r, body: Object.fromEntries(new URLSearchParams(r.rawBody.toString('utf8'))) } : r;
}

let book: ContractBook;

// The validator is a dependency to install (see docs/vendors.md); until it is, say so loudly and skip.
const installed = validatorInstalled();
if (!installed) console.warn(`vendor contract tests skipped: npm package ${VALIDATOR_PACKAGE} is not installed`);
const describeChecked = installed ? describe : describe.skip;

describeChecked('vendor contracts (sandbox/specs)', () => {
  beforeAll(async () => {
    // The specs themselves are valid OpenAPI 3.0 (checked in full here; the estate loads them quickly).
    book = await ContractBook.load(undefined, LISTENER_SPECS, { validateDocuments: true });
  }, 600_000);

  it('uses the validator package and covers every vendor listener', async () => {
    expect(await loadValidator()).toBeDefined();
    expect(Object.keys(book.sources()).sort()).toEqual(['arm', 'consul', 'cloudflare', 'devops', 'keyvault', 'login', 'mailgun', 'opsgenie', 'pingdom', 'slack'].sort());
    for (const specs of Object.values(book.sources())) for (const s of specs) expect(Object.keys(s.source).length).toBeGreaterThan(0);
  });

  it.each(CASES.map((c) => [c.listener, c] as const))('%s: accepts a call the vendor has, reports a made-up path and a made-up field', (_name, c) => {
    expect(book.check(c.listener, parsed(c.good)).violations).toEqual([]);
    const path = book.check(c.listener, parsed(c.madeUpPath));
    expect(path.violations).toEqual([expect.objectContaining({ where: 'request', field: 'path', rule: expect.stringMatching(/^no \w+ spec has /) })]);
    const field = book.check(c.listener, parsed(c.madeUpField));
    expect(field.violations.length).toBeGreaterThan(0);
    expect(field.violations[0]).toMatchObject({ where: 'request', field: c.field, rule: expect.stringMatching(/unknown (field|query parameter)/) });
  });

  it('the estate has no route its vendor lacks: every route it serves is an operation of that vendor its spec', async () => {
    const estate = await loadEstateFile(defaultEstateFile());
    const ctx = { clock: { now: () => Date.parse('2025-06-22T08:00:00Z') }, estate, baseUrl: (n: string) => `https://127.0.0.1/${n}`, newId: (p: string) => `${p}-1` };
    const routes: { listener: string; method: string; pattern: string }[] = [];
    for (const factory of Object.values(serviceFactories)) {
      const service = factory(ctx);
      service.register({ route: (method, pattern) => routes.push({ listener: service.name, method, pattern }) });
    }
    const uncovered = routes
      // probes: the estate's own web sites; Slack's `POST /api/:method` serves each Web API method (checked per call).
      .filter((r) => book.covers(r.listener) && r.method !== '*')
      .filter((r) => {
        const path = r.pattern.replace(/:[A-Za-z]+/g, (p) => (p === ':node' ? 'bp-apiui-01' : p === ':state' ? 'critical' : p === ':id' && r.listener === 'pingdom' ? '1' : 'x1')).replace(/\*$/, 'a/b');
        const routeReq: CheckedRequest = { ...req(r.method, path), ...(r.pattern.endsWith('*') ? { route: r.pattern } : {}) };
        return book.check(r.listener, routeReq).violations.some((v) => v.field === 'path');
      })
      .map((r) => `${r.listener} ${r.method} ${r.pattern}`);
    expect(routes.length).toBeGreaterThan(60);
    expect(uncovered).toEqual([]);
  });

  it('reports a response that breaks the spec: the operation, the field and the rule', () => {
    const good = req('GET', `${SUB}/resourceGroups/RG-WEB-PRD/providers/Microsoft.Compute/virtualMachines/IC-Web1/instanceView`, undefined, { 'api-version': '2026-03-01' });
    const res = { status: 200, headers: {}, body: { statuses: [{ code: 'PowerState/running', colour: 'green' }] } };
    expect(book.check('arm', good, res).violations).toEqual([{ where: 'response', operation: 'VirtualMachines_InstanceView', field: 'response.statuses.0', rule: 'unknown field "colour"' }]);
    const wrongType = { status: 200, headers: {}, body: { ok: 'yes', channel: 'C1', ts: '1.2', message: {} } };
    const slack = book.check('slack', parsed(CASES.find((c) => c.listener === 'slack')!.good), wrongType);
    expect(slack.violations.some((v) => v.where === 'response' && v.field === 'response.ok')).toBe(true);
    expect(book.check('consul', CASES.find((c) => c.listener === 'consul')!.good, { status: 418, headers: {}, body: 'teapot' }).violations).toEqual([
      expect.objectContaining({ where: 'response', field: 'status', rule: expect.stringMatching(/^status 418 is not a response the spec declares/) }),
    ]);
  });
});

describeChecked('the estate records violations in its call log', () => {
  let env: ControlledSandbox;
  beforeAll(async () => {
    env = await startControlledSandbox({ tmpPrefix: 'mw-contracts-' });
  }, 600_000);
  afterAll(async () => env.stop());

  it('a malformed gateway PUT and a made-up path each show up with operation, field and rule', async () => {
    const fetchCa = createHttpsFetch({ caPem: env.sandbox.caPem });
    // No token: the estate refuses with 401, and the call is still checked against the spec.
    await fetchCa(`${env.sandbox.urls.arm}${NET}/applicationGateways/agw-pri-appgateway0-prd?api-version=2025-05-01`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ location: 'eastus', properties: { backendAddressPools: [{ name: 'web', properties: { backendAddresses: [{ ip: '10.0.0.1' }] } }] } }),
    });
    await fetchCa(`${env.sandbox.urls.consul}/node/bp-apiui-01/v1/agent/maintenance?enable=true`, { method: 'PUT' });
    const calls = await env.calls();
    const put = calls.find((c) => c.method === 'PUT' && c.listener === 'arm');
    expect(put?.operation).toBe('ApplicationGateways_CreateOrUpdate');
    expect(put?.violations).toEqual(expect.arrayContaining([expect.objectContaining({ where: 'request', operation: 'ApplicationGateways_CreateOrUpdate', field: 'requestBody.properties.backendAddressPools.0.properties.backendAddresses.0', rule: 'unknown field "ip"' })]));
    const node = calls.find((c) => c.listener === 'consul');
    expect(node?.violations).toEqual([expect.objectContaining({ field: 'path', rule: 'no consul spec has PUT /node/bp-apiui-01/v1/agent/maintenance' })]);
  });

  it("a Key Vault challenge request (no token, body held back) is not a missing body; a token without a body is", async () => {
    const fetchCa = createHttpsFetch({ caPem: env.sandbox.caPem });
    const before = (await env.calls()).length;
    const url = `${env.sandbox.urls.keyvault}/secrets/Challenge-Probe?api-version=7.5`;
    const challenge = await fetchCa(url, { method: 'PUT', headers: { 'content-type': 'application/json' } });
    expect(challenge.status).toBe(401);
    await fetchCa(url, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' } });
    const [first, second] = (await env.calls()).slice(before).filter((c) => c.listener === 'keyvault');
    expect(first?.operation).toBe('SetSecret');
    expect(first?.violations ?? []).toEqual([]);
    expect(second?.violations).toEqual(expect.arrayContaining([expect.objectContaining({ where: 'request', rule: "must have required property 'requestBody'" })]));
  });
});
