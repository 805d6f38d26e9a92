/**
 * HTTP abuse of every route of a live app, one source for the e2e test
 * (test/e2e/http-abuse.test.ts) and the benchmark (bench/fuzz.ts): malformed JSON, wrong types,
 * extra fields, bodies over the limit (3 MB and 21 MB: over 1 MB and over 20 MB), control
 * characters, path traversal and very long ids, wrong methods and content types, missing or
 * wrong keys and identities. Each must be answered with a 4xx that says what is wrong (naming
 * the field where there is one), never a 500 or a hang.
 */

export interface Probe {
  what: string;
  method: string;
  route: string;
  body?: string | Buffer;
  contentType?: string | null;
  key?: string | null;
  user?: string | null;
  /** A field the error must name. */
  field?: string;
}

/** The live window the probes aim at: its id, an approval gate and a step that is a manual and canary id. */
export interface AbuseTarget {
  windowId: string;
  gate: string;
  step: string;
}

/** Every probe, in a fixed order (no randomness: the same cases on every run). */
export function abuseProbes(t: AbuseTarget): Probe[] {
  const w = t.windowId;
  const postRoutes: { route: string; valid: object }[] = [
    { route: `windows/${w}/start`, valid: { mode: 'rehearsal' } },
    { route: `windows/${w}/abort`, valid: { reason: 'probe' } },
    { route: `windows/${w}/approvals/${t.gate}`, valid: { decision: 'approve' } },
    { route: `windows/${w}/steps/${t.step}/complete`, valid: { outcome: 'done' } },
    { route: `windows/${w}/canary/${t.step}/answers`, valid: { team: 'x', ok: true } },
    { route: `windows/${w}/maintenance-page/public`, valid: { action: 'up', reason: 'probe' } },
    { route: `windows/${w}/revisions`, valid: { text: `id: ${w}\n` } },
  ];
  const out: Probe[] = [];
  const big = (bytes: number) => JSON.stringify({ reason: 'x'.repeat(bytes) });
  for (const { route, valid } of postRoutes) {
    const first = Object.keys(valid)[0]!;
    out.push(
      { what: 'malformed JSON', method: 'POST', route, body: '{"reason": ' },
      { what: 'wrong type', method: 'POST', route, body: JSON.stringify({ ...valid, [first]: 12 }), field: first },
      { what: 'extra field', method: 'POST', route, body: JSON.stringify({ ...valid, sneaky: true }) },
      { what: 'a field far too long', method: 'POST', route, body: JSON.stringify({ ...valid, [first]: 'y'.repeat(1_500_000) }) },
      { what: 'a 3 MB body', method: 'POST', route, body: big(3_000_000) },
      { what: 'a 21 MB body', method: 'POST', route, body: big(21_000_000) },
      { what: 'control characters', method: 'POST', route, body: JSON.stringify({ ...valid, [first]: '\u0000\u001b[31mred\u0007' }) },
      { what: 'text/plain', method: 'POST', route, body: JSON.stringify(valid), contentType: 'text/plain' },
      { what: 'no content type', method: 'POST', route, body: JSON.stringify(valid), contentType: null },
      { what: 'no function key', method: 'POST', route, body: JSON.stringify(valid), key: null },
      { what: 'a wrong function key', method: 'POST', route, body: JSON.stringify(valid), key: 'not-the-key' },
      { what: 'nobody named', method: 'POST', route, body: JSON.stringify(valid), user: null },
      { what: 'PUT', method: 'PUT', route, body: JSON.stringify(valid) },
      { what: 'DELETE', method: 'DELETE', route },
    );
  }
  for (const id of ['..%2F..%2Fetc%2Fpasswd', '..', '%00', 'a'.repeat(5000), 'w%0d%0aSet-Cookie:x=1', '%E2%80%AEgate', 'windows%5C..%5Cx']) {
    out.push({ what: `odd id ${id.slice(0, 20)}`, method: 'GET', route: `windows/${id}` });
    out.push({ what: `odd id ${id.slice(0, 20)} on start`, method: 'POST', route: `windows/${id}/start`, body: '{}' });
    out.push({ what: `odd gate ${id.slice(0, 20)}`, method: 'POST', route: `windows/${w}/approvals/${id}`, body: '{"decision":"approve"}' });
  }
  out.push({ what: 'unknown window', method: 'GET', route: 'windows/no-such-window' });
  out.push({ what: 'Slack unsigned', method: 'POST', route: 'slack/interactions', body: 'payload=%7B%7D', contentType: 'application/x-www-form-urlencoded', key: null });
  out.push({ what: 'Slack JSON', method: 'POST', route: 'slack/interactions', body: '{}', key: null });
  out.push({ what: 'Slack 3 MB', method: 'POST', route: 'slack/interactions', body: `payload=${'x'.repeat(3_000_000)}`, contentType: 'application/x-www-form-urlencoded', key: null });
  return out;
}

/** An answer, or `status: 0` when none came in `timeoutMs` (a hang) or the connection broke. */
export interface ProbeAnswer {
  status: number;
  body: string;
  hang?: boolean;
  error?: string;
}

/** Sends one probe to `hostUrl` as `mallory` with `masterKey` unless the probe says otherwise. */
export async function sendProbe(hostUrl: string, masterKey: string, p: Probe, timeoutMs = 30_000): Promise<ProbeAnswer> {
  const headers: Record<string, string> = {};
  if (p.key !== null) headers['x-functions-key'] = p.key ?? masterKey;
  if (p.user !== null) headers['x-mw-user'] = p.user ?? 'mallory';
  if (p.body !== undefined && p.contentType !== null) headers['content-type'] = p.contentType ?? 'application/json';
  try {
    const r = await fetch(`${hostUrl}/api/${p.route}`, { method: p.method, headers, ...(p.body !== undefined ? { body: p.body } : {}), signal: AbortSignal.timeout(timeoutMs) });
    return { status: r.status, body: await r.text() };
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    return { status: 0, body: '', ...(name === 'TimeoutError' ? { hang: true } : {}), error: error instanceof Error ? error.message : String(error) };
  }
}

/** What is wrong with an answer: not a 4xx, no message in words, or a message that does not name the field. */
export function judgeAnswer(p: Probe, r: ProbeAnswer): string[] {
  const where = `${p.what} ${p.method} /api/${p.route.slice(0, 60)}`;
  if (r.status === 0) return [`${where} → ${r.hang ? 'no answer (hang)' : `connection failed: ${r.error ?? ''}`}`];
  const bad: string[] = [];
  if (r.status < 400 || r.status >= 500) bad.push(`${where} → ${r.status} ${r.body.slice(0, 200)}`);
  // The app's refusals say why in words; the host's own 401/404 carry no body, as Azure's do.
  if (r.body) {
    let error: { message?: string } | undefined;
    try {
      error = (JSON.parse(r.body) as { error?: { message?: string } }).error;
    } catch {
      bad.push(`${p.what}: the answer is not JSON: ${r.body.slice(0, 200)}`);
      return bad;
    }
    if (!error?.message) bad.push(`${p.what}: no error message in ${r.body.slice(0, 200)}`);
    if (p.field && r.status === 400 && !error?.message?.includes(p.field)) bad.push(`${p.what}: the error does not name ${p.field}: ${error?.message ?? ''}`);
  }
  return bad;
}

/** The outcome of a whole abuse run. */
export interface AbuseOutcome {
  requests: number;
  /** Answers by status code ("0" for none). */
  statuses: Record<string, number>;
  serverErrors: number;
  hangs: number;
  problems: string[];
}

/** Sends every probe one after the other and judges each answer. */
export async function runAbuse(hostUrl: string, masterKey: string, target: AbuseTarget, timeoutMs = 30_000): Promise<AbuseOutcome> {
  const outcome: AbuseOutcome = { requests: 0, statuses: {}, serverErrors: 0, hangs: 0, problems: [] };
  for (const p of abuseProbes(target)) {
    const r = await sendProbe(hostUrl, masterKey, p, timeoutMs);
    outcome.requests++;
    outcome.statuses[String(r.status)] = (outcome.statuses[String(r.status)] ?? 0) + 1;
    if (r.status >= 500) outcome.serverErrors++;
    if (r.hang) outcome.hangs++;
    outcome.problems.push(...judgeAnswer(p, r));
  }
  return outcome;
}
