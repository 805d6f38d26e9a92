import { getHeapStatistics } from 'node:v8';

/**
 * The rehearsal's heap limit. V8 sizes the old generation from the machine's memory (about 4 GB
 * here), so a long rehearsal's garbage piled up between major collections: 1.3 GB peak RSS at
 * 1,000 servers, with a live heap under 400 MB (the run completed at that limit, at the same
 * speed). 768 MB leaves room for about twice that estate (docs/benchmarks.md).
 */
export const REHEARSAL_HEAP_MB = 768;

/**
 * The young generation's semi-space (MB). With the old generation capped, V8's default (16 MB)
 * promoted more short-lived replay garbage and cost about 8% more time at 1,000 servers; 64 MB
 * gave the uncapped time back (docs/benchmarks.md).
 */
export const REHEARSAL_SEMI_SPACE_MB = 64;

/** Node flags of every rehearsal process: `npm start` (package.json), the bench and the e2e harness. */
export const REHEARSAL_NODE_FLAGS: readonly string[] = [`--max-old-space-size=${REHEARSAL_HEAP_MB}`, `--max-semi-space-size=${REHEARSAL_SEMI_SPACE_MB}`];

/** Share of the limit at which a rehearsal warns that it needs a larger heap. */
const NEAR_LIMIT = 0.85;

/**
 * Warns once, loudly, when the live heap nears its limit, saying how to give it more: a heap
 * that runs out ends the process with V8's own fatal error, which names neither cause nor cure.
 * Returns the function that stops watching.
 */
export function watchHeap(warn: (line: string) => void, everyMs = 2_000): () => void {
  let warned = false;
  const timer = setInterval(() => {
    const { used_heap_size: used, heap_size_limit: limit } = getHeapStatistics();
    if (warned || used < NEAR_LIMIT * limit) return;
    warned = true;
    const mb = (n: number) => Math.round(n / 2 ** 20);
    warn(`the rehearsal's heap is at ${mb(used)} MB of its ${mb(limit)} MB limit; for an estate this large run it with more: node --max-old-space-size=${2 * mb(limit)} dist/devhost/rehearse.js ...`);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
