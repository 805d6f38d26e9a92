import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REHEARSAL_NODE_FLAGS, watchHeap } from '../../../devhost/heap';

describe('the rehearsal heap', () => {
  it("npm start runs the rehearsal with the flags the bench and the e2e harness use, so their figures are npm start's", () => {
    const start = (JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
    expect(start).toContain(`node ${REHEARSAL_NODE_FLAGS.join(' ')} dist/devhost/rehearse.js`);
  });

  it('warns once, naming a larger limit, when the live heap nears its limit', async () => {
    const lines: string[] = [];
    // V8 reporting 700 MB live of a 768 MB limit.
    jest.resetModules();
    jest.doMock('node:v8', () => ({ getHeapStatistics: () => ({ used_heap_size: 700 * 2 ** 20, heap_size_limit: 768 * 2 ** 20 }) }));
    const { watchHeap: watch } = await import('../../../devhost/heap');
    const stop = watch((l) => lines.push(l), 5);
    await new Promise((r) => setTimeout(r, 40));
    stop();
    jest.dontMock('node:v8');
    expect(lines).toEqual(["the rehearsal's heap is at 700 MB of its 768 MB limit; for an estate this large run it with more: node --max-old-space-size=1536 dist/devhost/rehearse.js ..."]);
  });

  it('says nothing while the heap is well inside its limit', async () => {
    const lines: string[] = [];
    const stop = watchHeap((l) => lines.push(l), 5);
    await new Promise((r) => setTimeout(r, 30));
    stop();
    expect(lines).toEqual([]);
  });
});
