import { deflateRawSync } from 'node:zlib';
import { z } from 'zod';
import { packToken, readToken, unpackToken } from '../../../shared/adapters/azure/resumeToken';

const Token = z.object({ v: z.literal(1), op: z.enum(['installPatches']), vmId: z.string().min(1), state: z.string().min(1) });

// The shape core-lro's serialize() gives an installPatches poller (three absolute URLs).
const url = 'https://management.azure.com/subscriptions/3f6b2c1e-8a4d-4e2f-9b7c-5d1a0e6f4c28';
const vmId = `/subscriptions/3f6b2c1e-8a4d-4e2f-9b7c-5d1a0e6f4c28/resourceGroups/RG-WEB-PRD/providers/Microsoft.Compute/virtualMachines/IC-Web1`;
const op = `${url}/providers/Microsoft.Compute/locations/eastus/operations/2c9fbc3d-9f8b-46fa-873d-b4d4746e6a15?api-version=2024-07-01`;
const state = JSON.stringify({
  state: {
    status: 'running',
    config: { metadata: { mode: 'OperationLocation' }, operationLocation: op, resourceLocation: `${op}&monitor=true`, initialRequestUrl: `${url}${vmId}/installPatches?api-version=2024-07-01`, requestMethod: 'POST' },
  },
});
const token = { v: 1 as const, op: 'installPatches' as const, vmId, state };

describe('resume tokens', () => {
  it('pack to a quote-free string much shorter than the JSON a history holds, and read back the same', () => {
    const packed = packToken(token);
    expect(packed).toMatch(/^z1\.[A-Za-z0-9_-]+$/);
    // An activity input holds the token as a JSON string, and the history holds that input as one more.
    const inHistory = JSON.stringify(JSON.stringify({ tokens: { 'IC-Web1': JSON.stringify(token) } }));
    const packedInHistory = JSON.stringify(JSON.stringify({ tokens: { 'IC-Web1': packed } }));
    expect(packedInHistory.length).toBeLessThan(inHistory.length / 2);
    expect(readToken(packed, Token, 'compute')).toEqual(token);
  });

  it('still read a plain-JSON token (written before packing)', () => {
    expect(readToken(JSON.stringify(token), Token, 'compute')).toEqual(token);
    expect(unpackToken(JSON.stringify({ a: 'é' }))).toEqual({ a: 'é' });
  });

  it('refuse what is not a token with an error that says why, naming the field', () => {
    expect(() => readToken('nonsense', Token, 'compute')).toThrow('resumeToken is not a compute resume token (not a packed token or JSON)');
    expect(() => readToken('z1.%%%', Token, 'compute')).toThrow(/not a packed token or JSON/);
    expect(() => readToken('z1.AAAA', Token, 'compute')).toThrow(/not a packed token or JSON/);
    expect(() => readToken(packToken({ ...token, vmId: '' }), Token, 'pool')).toThrow(/^resumeToken is not a pool resume token \(vmId: /);
    expect(() => readToken(packToken({ ...token, v: 2 }), Token, 'compute')).toThrow(/\(v: /);
  });

  it('refuse a packed token that inflates past 64 KB instead of inflating it', () => {
    const bomb = `z1.${deflateRawSync(Buffer.from(JSON.stringify({ pad: 'x'.repeat(10_000_000) }))).toString('base64url')}`;
    expect(bomb.length).toBeLessThan(20_000);
    expect(() => readToken(bomb, Token, 'compute')).toThrow(/not a packed token or JSON/);
  });
});
