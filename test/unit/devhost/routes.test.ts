import { compileRoute, matchRoute, sortRoutes, type CompiledRoute } from '../../../devhost/http/routes';

function match(template: string, path: string): Record<string, string> | undefined {
  const values = matchRoute(compileRoute(template), path);
  // Copy out of the null-prototype record so failures print plainly.
  return values === undefined ? undefined : { ...values };
}

describe('compileRoute', () => {
  it('joins the host route prefix with a slash and records precedence digits', () => {
    const r = compileRoute('items/{id:int}/{*rest}', { routePrefix: 'api' });
    expect(r.template).toBe('api/items/{id:int}/{*rest}');
    expect(r.precedence).toEqual([1, 1, 2, 5]);
    expect(r.parameters.map((p) => p.name)).toEqual(['id', 'rest']);
  });

  it('accepts a leading / or ~/ and an empty template', () => {
    expect(compileRoute('/a/b').segments).toHaveLength(2);
    expect(compileRoute('~/a').segments).toHaveLength(1);
    expect(compileRoute('', { routePrefix: '' }).segments).toHaveLength(0);
  });

  it('parses constraints, defaults and escaped braces', () => {
    const r = compileRoute('{{x}}/{id:int:min(1)}/{name=abc}/{code:regex(^\\d{{3}}$)}');
    expect(r.segments[0]?.parts).toEqual([{ kind: 'literal', text: '{x}' }]);
    const [id, name, code] = r.parameters;
    expect(id?.constraints.map((c) => [c.name, c.args])).toEqual([
      ['int', []],
      ['min', ['1']],
    ]);
    expect(name?.defaultValue).toBe('abc');
    expect(code?.constraints[0]?.args).toEqual(['^\\d{3}$']);
  });

  it.each([
    ['a//b', "the separator '/' cannot appear consecutively"],
    ['a/', "the separator '/' cannot appear consecutively or at the end"],
    ['{id}/{ID}', "the parameter name 'ID' appears more than once"],
    ['{*rest}/x', 'a catch-all parameter can only appear as the last segment'],
    ['a{*rest}', 'a catch-all parameter can only appear as the last segment'],
    ['{*rest?}', "the catch-all parameter 'rest' cannot be marked optional"],
    ['{a}{b}', "a path segment cannot contain two consecutive parameters ('{a}{b}')"],
    ['{a?}-{b}', "in segment '{a?}-{b}' the optional parameter 'a' must be at the end of the segment"],
    ['{a}-{b?}', "in segment '{a}-{b?}' only a period (.) can precede the optional parameter 'b'"],
    ['{}', "the parameter name '' is invalid"],
    ['{a', "unbalanced '{'"],
    ['a}', "unbalanced '}'"],
    ['a?b', "the literal section 'a?b' cannot contain '?'"],
    ['{id:foo}', "the constraint 'foo' on 'id' is not known"],
    ['{id:min(x)}', "constraint 'min' on 'id' needs whole-number arguments, got 'x'"],
    ['{id:range(1)}', "constraint 'range' on 'id' takes 2 argument(s), got 1"],
    ['{id:range(5,1)}', "constraint 'range' on 'id' has min 5 above max 1"],
    ['{id:int(3)}', "constraint 'int' on 'id' takes 0 argument(s), got 1"],
    ['{id:regex([)}', "constraint 'regex' on 'id' has an invalid pattern"],
    ['{id:int=abc}', "the default value 'abc' of 'id' does not satisfy its constraint 'int'"],
  ])('rejects %j', (template, message) => {
    expect(() => compileRoute(template)).toThrow(TypeError);
    expect(() => compileRoute(template)).toThrow(`route '${template}': ${message}`);
  });
});

describe('matchRoute', () => {
  it('matches literals case-insensitively and ignores one trailing slash', () => {
    expect(match('api/Items/List', '/API/items/list/')).toEqual({});
    expect(match('api/items', '/api/items/extra')).toBeUndefined();
    expect(match('api/items', '/api')).toBeUndefined();
    expect(match('api/items', 'api/items')).toEqual({});
  });

  it('captures parameters, URL-decoding all escapes but %2F', () => {
    expect(match('users/{name}/files/{file}', '/users/J%C3%B6rg%20M/files/a%2Fb+c')).toEqual({ name: 'Jörg M', file: 'a%2Fb+c' });
    expect(match('x/{v}', '/x/%E0%A4%A')).toEqual({ v: '%E0%A4%A' });
    expect(match('x/{v}', '/x/100%25')).toEqual({ v: '100%' });
  });

  it('does not let a parameter match an empty segment', () => {
    expect(match('a/{b}/c', '/a//c')).toBeUndefined();
  });

  it('omits optional parameters and fills defaults', () => {
    expect(match('items/{id?}', '/items')).toEqual({});
    expect(match('items/{id?}', '/items/7')).toEqual({ id: '7' });
    expect(match('{controller=Home}/{action=Index}/{id?}', '/')).toEqual({ controller: 'Home', action: 'Index' });
    expect(match('{controller=Home}/{action=Index}/{id?}', '/Products')).toEqual({ controller: 'Products', action: 'Index' });
    expect(match('items/{id:int?}', '/items/x')).toBeUndefined();
    expect(match('items/{id}/edit', '/items/7')).toBeUndefined();
  });

  it('gives the catch-all the decoded rest of the path, or nothing', () => {
    expect(match('files/{*path}', '/files/a/b%20c/d.txt')).toEqual({ path: 'a/b c/d.txt' });
    expect(match('files/{**path}', '/files/a')).toEqual({ path: 'a' });
    expect(match('files/{*path}', '/files')).toEqual({});
    expect(match('files/{*path=index.html}', '/files')).toEqual({ path: 'index.html' });
    expect(match('files/{*path:minlength(5)}', '/files/a/b')).toBeUndefined();
  });

  it('matches complex segments greedily like ASP.NET, with an optional extension', () => {
    expect(match('files/{name}.{ext}', '/files/archive.tar.gz')).toEqual({ name: 'archive.tar', ext: 'gz' });
    expect(match('files/{name}.{ext?}', '/files/readme')).toEqual({ name: 'readme' });
    expect(match('files/{name}.{ext?}', '/files/readme.MD')).toEqual({ name: 'readme', ext: 'MD' });
    expect(match('v{major:int}-{minor:int}', '/V2-10')).toEqual({ major: '2', minor: '10' });
    expect(match('v{major:int}-{minor:int}', '/v2-x')).toBeUndefined();
  });

  it.each([
    ['int', ['42', '-7', '+3', '2147483647'], ['2147483648', '4.2', 'x', '0x1']],
    ['long', ['9223372036854775807', '-9223372036854775808'], ['9223372036854775808', '1e3']],
    ['bool', ['true', 'FALSE'], ['yes', '1']],
    ['guid', ['0f8fad5b-d9cb-469f-a165-70867728950e', '0F8FAD5BD9CB469FA16570867728950E', '{0f8fad5b-d9cb-469f-a165-70867728950e}', '(0f8fad5b-d9cb-469f-a165-70867728950e)'], ['0f8fad5b-d9cb-469f-a165', 'not-a-guid']],
    ['alpha', ['abcXYZ'], ['abc1', 'é']],
    ['datetime', ['2025-03-09', '2025-03-09T02:30:00Z', '2024-02-29T10:00:00.123+05:30', '2025-03-09 02:30'], ['2025-02-29', '3/9/2025', '2025-13-01', 'yesterday', '2025-03-09T25:00']],
    ['decimal', ['1.5', '-0.25', '1,000.5', '.5'], ['1e5', 'NaN', '.', '1e30']],
    ['double', ['1.5', '-1e10', '1E+308', 'NaN', 'Infinity', '-infinity', '1e400'], ['e5', '1.2.3', 'abc']],
    ['float', ['3.4e38', '.5'], ['x']],
    ['minlength(3)', ['abc', 'abcd'], ['ab']],
    ['maxlength(3)', ['abc', 'a'], ['abcd']],
    ['length(2)', ['ab'], ['a', 'abc']],
    ['length(2,4)', ['ab', 'abcd'], ['a', 'abcde']],
    ['min(10)', ['10', '999999999999'], ['9', 'ten']],
    ['max(10)', ['10', '-5'], ['11', 'x']],
    ['range(1,5)', ['1', '5'], ['0', '6', '3.5']],
    ['regex(^[a-f]{{2}}\\d$)', ['ab1', 'AB2'], ['abc', 'ab']],
    ['regex(b)', ['abc'], ['xyz']],
  ])('constraint %s accepts %j and rejects %j', (constraint, good, bad) => {
    const route = compileRoute(`v/{value:${constraint}}`);
    for (const value of good) expect([value, matchRoute(route, `/v/${encodeURIComponent(value)}`)?.value]).toEqual([value, value]);
    for (const value of bad) expect([value, matchRoute(route, `/v/${encodeURIComponent(value)}`)]).toEqual([value, undefined]);
  });

  it('sees slashes only through a catch-all: %2F stays encoded in a segment', () => {
    expect(match('d/{*when:datetime}', '/d/12/31/2025 11:59 PM')).toEqual({ when: '12/31/2025 11:59 PM' });
    expect(match('d/{*when:datetime}', '/d/2/29/2025')).toBeUndefined();
    expect(match('d/{when:datetime}', '/d/3%2F9%2F2025')).toBeUndefined();
  });

  it('chains constraints: all must pass', () => {
    const route = compileRoute('orders/{id:int:min(1):max(100)}');
    expect(matchRoute(route, '/orders/1')?.id).toBe('1');
    expect(matchRoute(route, '/orders/0')).toBeUndefined();
    expect(matchRoute(route, '/orders/101')).toBeUndefined();
    expect(matchRoute(route, '/orders/abc')).toBeUndefined();
  });

  it('returns a record without a prototype, so names like constructor are plain keys', () => {
    const values = matchRoute(compileRoute('{constructor}'), '/x');
    expect(values?.constructor).toBe('x');
    expect(Object.getPrototypeOf(values)).toBeNull();
  });
});

describe('sortRoutes', () => {
  const routes = (...templates: string[]): CompiledRoute[] => templates.map((t) => compileRoute(t, { routePrefix: 'api' }));

  it('puts literals before constrained parameters, parameters, then catch-alls', () => {
    const sorted = sortRoutes(routes('items/{*rest}', 'items/{name}', 'items/{id:int}', 'items/new', 'items/{file}.{ext}', 'items/{*path:minlength(2)}'));
    expect(sorted.map((r) => r.template)).toEqual([
      'api/items/new',
      'api/items/{id:int}',
      'api/items/{file}.{ext}',
      'api/items/{name}',
      'api/items/{*path:minlength(2)}',
      'api/items/{*rest}',
    ]);
  });

  it('compares segment by segment and keeps the given order for ties', () => {
    const sorted = sortRoutes(routes('{a}/x', 'b/{c}', '{d}/{e}', '{f}/{g}'));
    expect(sorted.map((r) => r.template)).toEqual(['api/b/{c}', 'api/{a}/x', 'api/{d}/{e}', 'api/{f}/{g}']);
  });

  it('sorts arbitrary items through a selector, and the first match then wins', () => {
    const fns = [
      { name: 'getItem', route: compileRoute('items/{id}') },
      { name: 'newItem', route: compileRoute('items/new') },
    ];
    const ordered = sortRoutes(fns, (f) => f.route);
    expect(ordered.map((f) => f.name)).toEqual(['newItem', 'getItem']);
    expect(ordered.find((f) => matchRoute(f.route, '/items/NEW') !== undefined)?.name).toBe('newItem');
    expect(fns.map((f) => f.name)).toEqual(['getItem', 'newItem']);
  });
});
