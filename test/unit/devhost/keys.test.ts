import { checkAuthorization, resolveKeys, type AuthLevel, type KeyedRequest } from '../../../devhost/http/keys';

const settings = {
  IsEncrypted: false,
  Values: { FUNCTIONS_WORKER_RUNTIME: 'node' },
  Keys: {
    master: 'master-0000000000000000',
    host: { default: 'host-default-000000000' },
    system: { durabletask_extension: 'system-durable-0000000' },
    functions: { startWindow: { default: 'start-default-00000000', ci: 'start-ci-0000000000000' }, other: { default: 'other-default-00000000' } },
  },
};
const keys = resolveKeys(settings);

function withCode(code: string | undefined): KeyedRequest {
  return { query: code === undefined ? {} : { code }, headers: {} };
}

function allowed(level: AuthLevel, request: KeyedRequest, fn = 'startWindow'): boolean {
  return checkAuthorization(level, request, keys, fn).authorized;
}

describe('resolveKeys', () => {
  it('normalises the Keys section and lower-cases function names', () => {
    expect(keys.master).toBe('master-0000000000000000');
    expect(keys.host).toEqual({ default: 'host-default-000000000' });
    expect(keys.system).toEqual({ durabletask_extension: 'system-durable-0000000' });
    expect(Object.keys(keys.functions)).toEqual(['startwindow', 'other']);
  });

  it('treats missing settings or a missing Keys section as no keys', () => {
    for (const input of [undefined, {}, { Values: {} }]) {
      const none = resolveKeys(input);
      expect(none.master).toBeUndefined();
      expect(none.host).toEqual({});
      expect(none.functions).toEqual({});
    }
  });

  it.each([
    [{ Keys: { master: '' } }, 'local.settings.json.Keys.master: must not be empty'],
    [{ Keys: { host: { default: 'has space' } } }, 'local.settings.json.Keys.host.default: must not contain whitespace'],
    [{ Keys: { functions: { f: { default: 42 } } } }, 'local.settings.json.Keys.functions.f.default: must be a string'],
    [{ Keys: { masterKey: 'x' } }, 'Unrecognized key: "masterKey"'],
    [{ Keys: { functions: { Fn: { a: 'x' }, fn: { b: 'y' } } } }, 'Keys.functions.fn: another entry differs only in letter case'],
    ['not an object', 'invalid function keys'],
  ])('rejects %j naming the field', (input, message) => {
    expect(() => resolveKeys(input)).toThrow(TypeError);
    expect(() => resolveKeys(input)).toThrow(message);
  });

  it('never echoes a key value in its errors', () => {
    expect(() => resolveKeys({ Keys: { host: { default: 'secret value' } } })).not.toThrow(/secret value/);
  });
});

describe('checkAuthorization', () => {
  it('lets anonymous routes through with or without a key', () => {
    expect(allowed('anonymous', withCode(undefined))).toBe(true);
    expect(allowed('anonymous', withCode('wrong'))).toBe(true);
  });

  it('requires a valid key on function-level routes', () => {
    const refused = checkAuthorization('function', withCode(undefined), keys, 'startWindow');
    expect(refused).toEqual({
      authorized: false,
      grantedLevel: 'anonymous',
      reason: "'startWindow' requires a key (authLevel function) in the x-functions-key header or the code query parameter",
    });
    expect(checkAuthorization('function', withCode('wrong'), keys, 'startWindow').reason).toBe("the key presented for 'startWindow' matches no configured key");
    expect(allowed('function', withCode('start-default-00000000'))).toBe(true);
    expect(allowed('function', withCode('start-ci-0000000000000'))).toBe(true);
  });

  it('accepts a function key only for its own function, matching the name case-insensitively', () => {
    expect(allowed('function', withCode('other-default-00000000'), 'startWindow')).toBe(false);
    expect(allowed('function', withCode('start-default-00000000'), 'STARTWINDOW')).toBe(true);
  });

  it('accepts host keys, system keys and the master key on function-level routes, naming the key', () => {
    expect(checkAuthorization('function', withCode('host-default-000000000'), keys, 'startWindow')).toEqual({ authorized: true, grantedLevel: 'function', keyName: 'host/default' });
    expect(checkAuthorization('function', withCode('system-durable-0000000'), keys, 'startWindow')).toEqual({
      authorized: true,
      grantedLevel: 'system',
      keyName: 'system/durabletask_extension',
    });
    expect(checkAuthorization('function', withCode('master-0000000000000000'), keys, 'startWindow')).toEqual({ authorized: true, grantedLevel: 'admin', keyName: '_master' });
    expect(checkAuthorization('function', withCode('start-ci-0000000000000'), keys, 'startWindow').keyName).toBe('function/ci');
  });

  it('opens admin routes to the master key only', () => {
    expect(allowed('admin', withCode('master-0000000000000000'))).toBe(true);
    const refused = checkAuthorization('admin', withCode('host-default-000000000'), keys, 'startWindow');
    expect(refused).toEqual({
      authorized: false,
      grantedLevel: 'function',
      keyName: 'host/default',
      reason: "'startWindow' requires authLevel admin; the presented host/default key grants function",
    });
    expect(allowed('admin', withCode('system-durable-0000000'))).toBe(false);
  });

  it('opens system routes to system keys and the master key', () => {
    expect(allowed('system', withCode('system-durable-0000000'))).toBe(true);
    expect(allowed('system', withCode('master-0000000000000000'))).toBe(true);
    expect(allowed('system', withCode('host-default-000000000'))).toBe(false);
  });

  it('reads the x-functions-key header in any case, and the header wins over the query', () => {
    expect(allowed('function', { query: {}, headers: { 'X-Functions-Key': 'start-default-00000000' } })).toBe(true);
    expect(allowed('function', { query: { code: 'start-default-00000000' }, headers: { 'x-functions-key': 'wrong' } })).toBe(false);
    expect(allowed('function', { query: { code: 'start-default-00000000' }, headers: { 'x-functions-key': '' } })).toBe(false);
    expect(allowed('function', { query: { code: 'wrong' }, headers: { 'x-functions-key': 'start-default-00000000' } })).toBe(true);
  });

  it('takes the first value and accepts URLSearchParams and Headers, with the query name in any case', () => {
    expect(allowed('function', { query: { code: ['start-default-00000000', 'wrong'] }, headers: {} })).toBe(true);
    expect(allowed('function', { query: { code: ['wrong', 'start-default-00000000'] }, headers: {} })).toBe(false);
    expect(allowed('function', { query: new URLSearchParams('CODE=start-default-00000000'), headers: new Headers() })).toBe(true);
    expect(allowed('function', { query: new URLSearchParams(), headers: new Headers({ 'x-functions-key': 'master-0000000000000000' }) }, 'anything')).toBe(true);
  });

  it('refuses everything above anonymous when no keys are configured', () => {
    const none = resolveKeys({});
    expect(checkAuthorization('function', withCode('anything'), none, 'f').authorized).toBe(false);
    expect(checkAuthorization('admin', withCode('anything'), none, 'f').authorized).toBe(false);
    expect(checkAuthorization('anonymous', withCode(undefined), none, 'f').authorized).toBe(true);
  });

  it('does not accept prefixes, extensions or case variants of a key', () => {
    for (const near of ['start-default-0000000', 'start-default-000000000', 'START-DEFAULT-00000000', ' start-default-00000000']) {
      expect([near, allowed('function', withCode(near))]).toEqual([near, false]);
    }
  });

  it('never puts the presented key in its result', () => {
    const result = checkAuthorization('admin', withCode('start-default-00000000'), keys, 'startWindow');
    expect(JSON.stringify(result)).not.toContain('start-default-00000000');
  });

  it('rejects an unknown authLevel', () => {
    expect(() => checkAuthorization('user' as AuthLevel, withCode(undefined), keys, 'f')).toThrow(new RangeError("authLevel: 'user' is not one of anonymous, function, system, admin"));
  });
});

describe('configured keys are hashed once per keys object', () => {
  it('resolveKeys freezes every part, so the digests it keeps cannot go stale', () => {
    expect(Object.isFrozen(keys) && Object.isFrozen(keys.host) && Object.isFrozen(keys.system) && Object.isFrozen(keys.functions) && Object.isFrozen(keys.functions.startwindow)).toBe(true);
    expect(allowed('function', withCode('start-ci-0000000000000'))).toBe(true);
    expect(allowed('function', withCode('start-ci-0000000000000'))).toBe(true);
  });

  it('keys built by hand (not frozen) are read as they are at each check', () => {
    const mutable = { master: undefined, host: { default: 'old-host-key-00000' } as Record<string, string>, system: {}, functions: {} };
    const check = (code: string) => checkAuthorization('function', withCode(code), mutable, 'f').authorized;
    expect(check('old-host-key-00000')).toBe(true);
    mutable.host.default = 'new-host-key-00000';
    expect(check('old-host-key-00000')).toBe(false);
    expect(check('new-host-key-00000')).toBe(true);
  });
});
