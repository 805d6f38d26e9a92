import type { DurableClient } from 'durable-functions';
import { lazyDurableControl } from '../../../shared/api/durableControl';

/** A request that never reaches the orchestration (a shared status answer) never builds a durable client. */

function fakeClient(): DurableClient {
  return { getStatus: async () => ({ runtimeStatus: 'Running', customStatus: { state: 'running' }, output: null, createdTime: new Date('2025-06-21T21:40:00Z') }) } as unknown as DurableClient;
}

test('the client is built on first use only, and once', async () => {
  let built = 0;
  const control = lazyDurableControl(() => (built++, fakeClient()));
  expect(built).toBe(0);
  expect(await control.getStatus('i1')).toEqual({ runtimeStatus: 'Running', customStatus: { state: 'running' }, output: null, createdTime: '2025-06-21T21:40:00.000Z' });
  await control.getStatus('i2');
  expect(built).toBe(1);
});
