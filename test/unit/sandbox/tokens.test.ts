import { TokenIssuer } from '../../../sandbox/azure/tokens';

describe('sandbox token issuer', () => {
  const issuer = new TokenIssuer(Buffer.alloc(32, 7).toString('base64'));
  const claims = { aud: 'https://management.azure.com', tid: 't', appid: 'a', iat: 1 };

  it('accepts its own token every time it is shown, and hands out copies of the claims', () => {
    const token = issuer.issue(claims);
    const first = issuer.verify(token);
    expect(first).toEqual(claims);
    first!.aud = 'https://vault.azure.net';
    expect(issuer.verify(token)).toEqual(claims);
  });

  it('refuses a token with another signature or payload, even once the real one was accepted', () => {
    const token = issuer.issue(claims);
    expect(issuer.verify(token)).toEqual(claims);
    const [payload, sig] = token.split('.');
    expect(issuer.verify(`${payload}.${sig!.slice(0, -2)}AA`)).toBeUndefined();
    const other = Buffer.from(JSON.stringify({ ...claims, aud: 'https://vault.azure.net' })).toString('base64url');
    expect(issuer.verify(`${other}.${sig}`)).toBeUndefined();
    expect(new TokenIssuer(Buffer.alloc(32, 8).toString('base64')).verify(token)).toBeUndefined();
    expect(issuer.verify('nonsense')).toBeUndefined();
  });

  it('still verifies after more distinct tokens than its memo holds', () => {
    const tokens = Array.from({ length: 600 }, (_, i) => issuer.issue({ ...claims, iat: i }));
    for (const t of tokens) expect(issuer.verify(t)?.iat).toBeGreaterThanOrEqual(0);
    expect(issuer.verify(tokens[0]!)).toEqual({ ...claims, iat: 0 });
  });
});
