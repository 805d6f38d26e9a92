/**
 * HTTP trigger route templates, parsed and matched like ASP.NET Core routing, which the Functions host uses
 * (Azure/azure-webjobs-sdk-extensions `WebJobsRouteBuilder` builds an ASP.NET Core `Route` from
 * `routePrefix + '/' + route`, resolving inline constraints with the default constraint resolver).
 *
 * Supported, with ASP.NET Core's rules and error cases: literal segments (matched case-insensitively),
 * `{name}`, optional `{name?}`, defaults `{name=value}`, catch-all `{*rest}` / `{**rest}`, complex segments such
 * as `{name}.{ext?}`, escaped braces `{{` `}}`, and the inline constraints int, long, bool, guid, alpha, datetime,
 * decimal, double, float, required, minlength(n), maxlength(n), length(n), length(a,b), min(n), max(n), range(a,b)
 * and regex(expr), chained as `{id:int:min(1)}`.
 *
 * Known approximations: `datetime` accepts ISO 8601 and invariant-culture `M/d/yyyy [h:mm[:ss]]` forms rather than
 * everything `DateTime.TryParse` does; `guid` accepts the N, D, B and P formats (not X); `regex` runs the pattern
 * with JavaScript's engine (case-insensitive, unanchored, as ASP.NET does); `file`/`nonfile` are not supported.
 * A default value that fails its own constraints is rejected at compile time (ASP.NET would silently never match).
 */

/** Options for {@link compileRoute}. */
export interface CompileRouteOptions {
  /** host.json `extensions.http.routePrefix` ('api' by default in Functions; '' for none). Joined with '/'. */
  routePrefix?: string;
}

/** A parsed inline constraint such as `int` or `range(1,10)`. */
export interface RouteConstraint {
  readonly name: string;
  readonly args: readonly string[];
  /** True when the (decoded) value satisfies the constraint. */
  readonly test: (value: string) => boolean;
}

/** One `{...}` parameter of a template. */
export interface RouteParameter {
  readonly kind: 'parameter';
  readonly name: string;
  readonly optional: boolean;
  readonly catchAll: boolean;
  readonly defaultValue?: string;
  readonly constraints: readonly RouteConstraint[];
}

/** Literal text of a segment, braces unescaped. */
export interface RouteLiteral {
  readonly kind: 'literal';
  readonly text: string;
}

/** A `/`-separated piece of a template: one literal, one parameter, or a complex mix such as `{name}.{ext?}`. */
export interface RouteSegment {
  readonly parts: readonly (RouteLiteral | RouteParameter)[];
}

/** A compiled route template, ready for {@link matchRoute} and {@link sortRoutes}. */
export interface CompiledRoute {
  /** The full template, prefix included, as it would appear in the host's route log. */
  readonly template: string;
  readonly segments: readonly RouteSegment[];
  readonly parameters: readonly RouteParameter[];
  /** ASP.NET inbound precedence digits per segment (1 literal .. 5 catch-all); lower sorts first. */
  readonly precedence: readonly number[];
}

const MAX_INT32 = 2_147_483_647n;
const MIN_INT32 = -2_147_483_648n;
const MAX_INT64 = 9_223_372_036_854_775_807n;
const MIN_INT64 = -9_223_372_036_854_775_808n;
// decimal.MaxValue, 79228162514264337593543950335, to double precision.
const MAX_DECIMAL = 7.922816251426434e28;

/**
 * Parses a route template (with the host's route prefix) into a {@link CompiledRoute}.
 * @throws TypeError naming the template and the problem, like ASP.NET's RoutePatternException messages.
 */
export function compileRoute(template: string, options: CompileRouteOptions = {}): CompiledRoute {
  if (typeof template !== 'string') {
    throw new TypeError(`route: expected a string template, got ${typeof template}`);
  }
  const prefix = options.routePrefix ?? '';
  const full = prefix.length > 0 ? `${prefix}/${template}` : template;
  const fail = (reason: string): never => {
    throw new TypeError(`route '${full}': ${reason}`);
  };
  let body = full;
  if (body.startsWith('~/')) body = body.slice(2);
  else if (body.startsWith('/')) body = body.slice(1);
  const rawSegments = body.length === 0 ? [] : splitSegments(body, fail);
  const segments = rawSegments.map((raw) => parseSegment(raw, fail));
  const parameters = segments.flatMap((s) => s.parts.filter((p): p is RouteParameter => p.kind === 'parameter'));
  const seen = new Set<string>();
  for (const p of parameters) {
    const key = p.name.toUpperCase();
    if (seen.has(key)) fail(`the parameter name '${p.name}' appears more than once`);
    seen.add(key);
  }
  segments.forEach((segment, i) => {
    const catchAll = segment.parts.find((p) => p.kind === 'parameter' && p.catchAll);
    if (catchAll !== undefined && (segment.parts.length > 1 || i !== segments.length - 1)) {
      fail('a catch-all parameter can only appear as the last segment, on its own');
    }
  });
  return Object.freeze({ template: full, segments, parameters, precedence: segments.map(precedenceDigit) });
}

function splitSegments(body: string, fail: (reason: string) => never): string[] {
  const segments: string[] = [];
  let current = '';
  let inParameter = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '{' && body[i + 1] === '{') {
      current += '{{';
      i++;
    } else if (c === '{') {
      if (inParameter) fail("unbalanced '{' (use '{{' for a literal brace)");
      inParameter = true;
      current += c;
    } else if (c === '}' && !inParameter && body[i + 1] === '}') {
      current += '}}';
      i++;
    } else if (c === '}' && inParameter && body[i + 1] === '}') {
      current += '}}';
      i++;
    } else if (c === '}') {
      if (!inParameter) fail("unbalanced '}' (use '}}' for a literal brace)");
      inParameter = false;
      current += c;
    } else if (c === '/' && !inParameter) {
      if (current.length === 0) fail("the separator '/' cannot appear consecutively or at the end");
      segments.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  if (inParameter) fail("unbalanced '{'");
  if (current.length === 0) fail("the separator '/' cannot appear consecutively or at the end");
  segments.push(current);
  return segments;
}

function parseSegment(raw: string, fail: (reason: string) => never): RouteSegment {
  const parts: (RouteLiteral | RouteParameter)[] = [];
  let literal = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i] as string;
    if ((c === '{' || c === '}') && raw[i + 1] === c) {
      literal += c;
      i += 2;
      continue;
    }
    if (c === '{') {
      if (literal.length > 0) parts.push({ kind: 'literal', text: literal });
      literal = '';
      let end = i + 1;
      let inner = '';
      while (end < raw.length) {
        const d = raw[end] as string;
        if ((d === '{' || d === '}') && raw[end + 1] === d) {
          inner += d;
          end += 2;
          continue;
        }
        if (d === '}') break;
        inner += d;
        end++;
      }
      const previous = parts[parts.length - 1];
      if (previous !== undefined && previous.kind === 'parameter') {
        fail(`a path segment cannot contain two consecutive parameters ('${raw}'); separate them with '/' or a literal`);
      }
      parts.push(parseParameter(inner, fail));
      i = end + 1;
      continue;
    }
    literal += c;
    i++;
  }
  if (literal.length > 0) parts.push({ kind: 'literal', text: literal });
  for (const p of parts) {
    if (p.kind === 'literal' && p.text.includes('?')) fail(`the literal section '${p.text}' cannot contain '?'`);
  }
  if (parts.length > 1) {
    parts.forEach((p, index) => {
      if (p.kind !== 'parameter' || !p.optional) return;
      if (index !== parts.length - 1) fail(`in segment '${raw}' the optional parameter '${p.name}' must be at the end of the segment`);
      const before = parts[index - 1];
      if (before?.kind !== 'literal' || !before.text.endsWith('.')) {
        fail(`in segment '${raw}' only a period (.) can precede the optional parameter '${p.name}'`);
      }
    });
  }
  return { parts };
}

function parseParameter(inner: string, fail: (reason: string) => never): RouteParameter {
  let text = inner;
  let catchAll = false;
  if (text.startsWith('**')) {
    catchAll = true;
    text = text.slice(2);
  } else if (text.startsWith('*')) {
    catchAll = true;
    text = text.slice(1);
  }
  let optional = false;
  // The name runs to the first ':' (constraints) or '=' (default).
  let nameEnd = 0;
  while (nameEnd < text.length && text[nameEnd] !== ':' && text[nameEnd] !== '=') nameEnd++;
  let name = text.slice(0, nameEnd);
  let rest = text.slice(nameEnd);
  if (rest.length === 0 && name.endsWith('?')) {
    optional = true;
    name = name.slice(0, -1);
  }
  if (name.length === 0 || /[/{}=?*:]/.test(name)) {
    fail(`the parameter name '${name}' is invalid (it must be non-empty and cannot contain / { } = ? * :)`);
  }
  const constraints: RouteConstraint[] = [];
  while (rest.startsWith(':')) {
    const { text: constraintText, remainder } = readConstraint(rest.slice(1));
    rest = remainder;
    // A final '?' marks the parameter optional, as in `{id:int?}`.
    let ct = constraintText;
    if (rest.length === 0 && ct.endsWith('?')) {
      optional = true;
      ct = ct.slice(0, -1);
    }
    constraints.push(resolveConstraint(ct, name, fail));
  }
  let defaultValue: string | undefined;
  if (rest.startsWith('=')) {
    defaultValue = rest.slice(1);
    if (defaultValue.endsWith('?')) fail(`the optional parameter '${name}' cannot have a default value`);
  }
  if (catchAll && optional) fail(`the catch-all parameter '${name}' cannot be marked optional`);
  if (optional && defaultValue !== undefined) fail(`the optional parameter '${name}' cannot have a default value`);
  if (defaultValue !== undefined) {
    const bad = constraints.find((c) => !c.test(defaultValue as string));
    if (bad !== undefined) fail(`the default value '${defaultValue}' of '${name}' does not satisfy its constraint '${bad.name}'`);
  }
  return { kind: 'parameter', name, optional, catchAll, ...(defaultValue !== undefined ? { defaultValue } : {}), constraints };
}

/** Reads one constraint; inside parentheses a ')' ends the argument only before ':', '=', a final '?' or the end. */
function readConstraint(text: string): { text: string; remainder: string } {
  let i = 0;
  let inArgs = false;
  while (i < text.length) {
    const c = text[i] as string;
    if (!inArgs && c === '(') {
      inArgs = true;
    } else if (inArgs && c === ')') {
      const next = text[i + 1];
      if (next === undefined || next === ':' || next === '=' || (next === '?' && i + 2 === text.length)) {
        inArgs = false;
      }
    } else if (!inArgs && (c === ':' || c === '=')) {
      break;
    }
    i++;
  }
  return { text: text.slice(0, i), remainder: text.slice(i) };
}

function resolveConstraint(text: string, parameter: string, fail: (reason: string) => never): RouteConstraint {
  const open = text.indexOf('(');
  const name = (open < 0 ? text : text.slice(0, open)).trim();
  const argText = open < 0 ? undefined : text.endsWith(')') ? text.slice(open + 1, -1) : fail(`constraint '${text}' on '${parameter}' is missing ')'`);
  // regex takes its whole argument, commas included; the others split on commas.
  const args = argText === undefined ? [] : name.toLowerCase() === 'regex' ? [argText] : argText.split(',').map((a) => a.trim());
  const expectArgs = (count: number | readonly number[]): void => {
    const counts = typeof count === 'number' ? [count] : count;
    if (!counts.includes(args.length)) {
      fail(`constraint '${name}' on '${parameter}' takes ${counts.join(' or ')} argument(s), got ${args.length}`);
    }
  };
  const whole = (arg: string | undefined): bigint => {
    if (arg === undefined || !/^[+-]?\d+$/.test(arg)) fail(`constraint '${name}' on '${parameter}' needs whole-number arguments, got '${arg ?? ''}'`);
    return BigInt(arg as string);
  };
  const make = (test: (value: string) => boolean): RouteConstraint => ({ name, args, test });
  switch (name.toLowerCase()) {
    case 'int':
      expectArgs(0);
      return make((v) => integerIn(v, MIN_INT32, MAX_INT32));
    case 'long':
      expectArgs(0);
      return make((v) => integerIn(v, MIN_INT64, MAX_INT64));
    case 'bool':
      expectArgs(0);
      return make((v) => /^\s*(true|false)\s*$/i.test(v));
    case 'guid':
      expectArgs(0);
      return make(isGuid);
    case 'alpha':
      expectArgs(0);
      return make((v) => /^[a-z]*$/i.test(v));
    case 'datetime':
      expectArgs(0);
      return make(isDateTime);
    case 'decimal':
      expectArgs(0);
      return make(isDecimal);
    case 'double':
    case 'float':
      expectArgs(0);
      return make(isFloat);
    case 'required':
      expectArgs(0);
      return make((v) => v.length > 0);
    case 'minlength': {
      expectArgs(1);
      const n = Number(whole(args[0]));
      return make((v) => v.length >= n);
    }
    case 'maxlength': {
      expectArgs(1);
      const n = Number(whole(args[0]));
      return make((v) => v.length <= n);
    }
    case 'length': {
      expectArgs([1, 2]);
      const lo = Number(whole(args[0]));
      const hi = args.length === 2 ? Number(whole(args[1])) : lo;
      if (lo > hi) fail(`constraint 'length' on '${parameter}' has min ${lo} above max ${hi}`);
      return make((v) => v.length >= lo && v.length <= hi);
    }
    case 'min': {
      expectArgs(1);
      const n = whole(args[0]);
      return make((v) => compareLong(v, (x) => x >= n));
    }
    case 'max': {
      expectArgs(1);
      const n = whole(args[0]);
      return make((v) => compareLong(v, (x) => x <= n));
    }
    case 'range': {
      expectArgs(2);
      const lo = whole(args[0]);
      const hi = whole(args[1]);
      if (lo > hi) fail(`constraint 'range' on '${parameter}' has min ${lo} above max ${hi}`);
      return make((v) => compareLong(v, (x) => x >= lo && x <= hi));
    }
    case 'regex': {
      expectArgs(1);
      let re: RegExp;
      try {
        re = new RegExp(args[0] as string, 'i');
      } catch (e) {
        return fail(`constraint 'regex' on '${parameter}' has an invalid pattern: ${(e as Error).message}`);
      }
      return make((v) => re.test(v));
    }
    default:
      return fail(`the constraint '${name}' on '${parameter}' is not known (int, long, bool, guid, alpha, datetime, decimal, double, float, required, minlength, maxlength, length, min, max, range, regex)`);
  }
}

function integerIn(value: string, min: bigint, max: bigint): boolean {
  const m = /^\s*([+-]?\d+)\s*$/.exec(value);
  if (m === null) return false;
  const n = BigInt(m[1] as string);
  return n >= min && n <= max;
}

function compareLong(value: string, predicate: (n: bigint) => boolean): boolean {
  return integerIn(value, MIN_INT64, MAX_INT64) && predicate(BigInt(value.trim()));
}

function isGuid(value: string): boolean {
  const v = value.trim();
  const hex = '[0-9a-f]';
  const d = `${hex}{8}-${hex}{4}-${hex}{4}-${hex}{4}-${hex}{12}`;
  return new RegExp(`^(?:${hex}{32}|${d}|\\{${d}\\}|\\(${d}\\))$`, 'i').test(v);
}

function isDecimal(value: string): boolean {
  // NumberStyles.Number: surrounding spaces, a sign, thousands separators, a decimal point; no exponent.
  const m = /^\s*([+-]?)((?:\d[\d,]*)?(?:\.\d*)?)\s*$/.exec(value);
  if (m === null || !/\d/.test(m[2] as string)) return false;
  return Math.abs(Number((m[2] as string).replace(/,/g, ''))) <= MAX_DECIMAL;
}

function isFloat(value: string): boolean {
  // NumberStyles.Float | AllowThousands; .NET Core 3.0+ parses overflow to infinity, so any magnitude passes.
  const v = value.trim();
  if (/^[+-]?(infinity|∞)$/i.test(v) || /^nan$/i.test(v)) return true;
  return /^[+-]?(?:\d[\d,]*)?(?:\.\d*)?(?:e[+-]?\d+)?$/i.test(v) && /\d/.test(v.split(/e/i)[0] as string);
}

function isDateTime(value: string): boolean {
  const v = value.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i.exec(v);
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([AP]M))?)?$/i.exec(v);
  let year: number, month: number, day: number, hour = 0, minute = 0, second = 0;
  if (iso !== null) {
    [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
    [hour, minute, second] = [Number(iso[4] ?? 0), Number(iso[5] ?? 0), Number(iso[6] ?? 0)];
  } else if (us !== null) {
    [month, day, year] = [Number(us[1]), Number(us[2]), Number(us[3])];
    [hour, minute, second] = [Number(us[4] ?? 0), Number(us[5] ?? 0), Number(us[6] ?? 0)];
    if (us[7] !== undefined && (hour < 1 || hour > 12)) return false;
  } else {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return false;
  return day <= new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function precedenceDigit(segment: RouteSegment): number {
  if (segment.parts.length > 1) return 2;
  const part = segment.parts[0] as RouteLiteral | RouteParameter;
  if (part.kind === 'literal') return 1;
  const digit = part.catchAll ? 5 : 3;
  return part.constraints.length > 0 ? digit - 1 : digit;
}

/**
 * Matches a request path (no query string; leading slash optional; one trailing slash ignored) against a compiled
 * route. Returns the route values by parameter name: URL-decoded as Kestrel does before routing (every escape but
 * `%2F`, which stays encoded; `+` stays '+'), defaults for omitted parameters, nothing for omitted optional ones.
 * The result has a null prototype so a parameter named like an Object method cannot collide.
 */
export function matchRoute(route: CompiledRoute, path: string): Record<string, string> | undefined {
  let p = path;
  if (p.startsWith('/')) p = p.slice(1);
  if (p.endsWith('/')) p = p.slice(0, -1);
  const pathSegments = p.length === 0 ? [] : p.split('/').map(decodeSegment);
  const values = Object.create(null) as Record<string, string>;
  const segments = route.segments;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as RouteSegment;
    const only = segment.parts.length === 1 ? segment.parts[0] : undefined;
    if (only?.kind === 'parameter' && only.catchAll) {
      const rest = pathSegments.slice(i).join('/');
      if (rest.length > 0) {
        if (!only.constraints.every((c) => c.test(rest))) return undefined;
        values[only.name] = rest;
      } else if (only.defaultValue !== undefined) {
        values[only.name] = only.defaultValue;
      }
      return values;
    }
    const value = pathSegments[i];
    if (value === undefined) {
      // Path exhausted: the rest of the template must be omittable.
      if (only?.kind !== 'parameter' || (!only.optional && only.defaultValue === undefined)) return undefined;
      if (only.defaultValue !== undefined) values[only.name] = only.defaultValue;
      continue;
    }
    if (!matchSegment(segment, value, values)) return undefined;
  }
  return pathSegments.length > segments.length ? undefined : values;
}

function matchSegment(segment: RouteSegment, value: string, values: Record<string, string>): boolean {
  const parts = segment.parts;
  if (parts.length === 1) {
    const part = parts[0] as RouteLiteral | RouteParameter;
    if (part.kind === 'literal') return part.text.toUpperCase() === value.toUpperCase();
    if (value.length === 0 || !part.constraints.every((c) => c.test(value))) return false;
    values[part.name] = value;
    return true;
  }
  const last = parts[parts.length - 1] as RouteLiteral | RouteParameter;
  const variants = [parts];
  if (last.kind === 'parameter' && last.optional) {
    // `{name}.{ext?}` also matches without its optional tail: drop the parameter and the '.' that introduced it.
    const before = parts[parts.length - 2] as RouteLiteral;
    const trimmed = before.text.slice(0, -1);
    variants.push([...parts.slice(0, -2), ...(trimmed.length > 0 ? [{ kind: 'literal' as const, text: trimmed }] : [])]);
  }
  for (const variant of variants) {
    const captured = matchComplex(variant, value);
    if (captured !== undefined) {
      Object.assign(values, captured);
      return true;
    }
  }
  return false;
}

/** Greedy left-to-right captures reproduce ASP.NET's right-to-left literal search (`{a}.{b}` on `x.y.z` gives a=x.y). */
function matchComplex(parts: readonly (RouteLiteral | RouteParameter)[], value: string): Record<string, string> | undefined {
  const source = parts.map((p) => (p.kind === 'literal' ? escapeRegExp(p.text) : '(.+)')).join('');
  const m = new RegExp(`^${source}$`, 'is').exec(value);
  if (m === null) return undefined;
  const out: Record<string, string> = {};
  let group = 1;
  for (const p of parts) {
    if (p.kind !== 'parameter') continue;
    const captured = m[group++] as string;
    if (!p.constraints.every((c) => c.test(captured))) return undefined;
    out[p.name] = captured;
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Decodes percent escapes like Kestrel: `%2F` stays encoded, malformed escapes stay as written. */
function decodeSegment(segment: string): string {
  return segment.replace(/(?:%[0-9a-f]{2})+/gi, (run) =>
    run
      .split(/(%2f)/i)
      .map((piece) => (/^%2f$/i.test(piece) ? piece : decodeRun(piece)))
      .join(''),
  );
}

function decodeRun(run: string): string {
  try {
    return decodeURIComponent(run);
  } catch {
    // Invalid UTF-8: decode the valid escapes one by one and keep the rest verbatim.
    return run.replace(/%[0-9a-f]{2}/gi, (e) => {
      const byte = parseInt(e.slice(1), 16);
      return byte < 0x80 ? String.fromCharCode(byte) : e;
    });
  }
}

/**
 * Orders routes by ASP.NET Core's inbound precedence (literal 1, constrained or complex parameter 2, parameter 3,
 * constrained catch-all 4, catch-all 5, compared segment by segment), keeping the given order for ties, so
 * `items/new` is tried before `items/{id}` and `items/{id:int}` before `items/{name}`.
 *
 * Note: the Azure Functions host itself does not do this. `WebScriptHostHttpRoutesManager` adds one route per
 * function, in function order, to an ASP.NET `RouteCollection`, which tries them in that order (hence community
 * "route priority" packages). Sorting is therefore more forgiving than Azure when two functions' routes overlap.
 */
export function sortRoutes(routes: readonly CompiledRoute[]): CompiledRoute[];
export function sortRoutes<T>(items: readonly T[], select: (item: T) => CompiledRoute): T[];
export function sortRoutes<T>(items: readonly T[], select?: (item: T) => CompiledRoute): T[] {
  const pick = select ?? ((item: T) => item as unknown as CompiledRoute);
  return items
    .map((item, index) => ({ item, index, precedence: pick(item).precedence }))
    .sort((a, b) => comparePrecedence(a.precedence, b.precedence) || a.index - b.index)
    .map((entry) => entry.item);
}

function comparePrecedence(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
