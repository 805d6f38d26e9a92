import fc from 'fast-check';
import { nextPollMinutes, SPARSE_POLLS, SPARSE_SHARE } from '../../../shared/orchestrations/kinds/common';

/** Every poll offset of a watch until `until` minutes. */
function schedule(every: number, expect: number | undefined, until: number): number[] {
  const out: number[] = [];
  for (let at = nextPollMinutes(0, every, expect); at <= until; at = nextPollMinutes(at, every, expect)) out.push(at);
  return out;
}

/** When an operation that ends at minute `end` is first seen ended. */
const seenAt = (polls: number[], end: number) => polls.find((p) => p >= end)!;

describe('the poll schedule of a long watch', () => {
  it('without an expected duration: every interval, as ever', () => {
    expect(schedule(5, undefined, 30)).toEqual([5, 10, 15, 20, 25, 30]);
  });

  it('a 200-minute patch after an earlier one of 200: sparse to 150, then every 5 minutes (23 polls to 225, not 45)', () => {
    const polls = schedule(5, 200, 225);
    expect(polls.slice(0, 9)).toEqual([5, 10, 20, 40, 70, 100, 130, 150, 155]);
    expect(polls).toHaveLength(23);
  });

  it('properties: on the interval grid, rising; an end after the dense point is seen when the plain schedule sees it; any end at most SPARSE_POLLS intervals late', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 600 }), fc.integer({ min: 1, max: 900 }), (every, expected, end) => {
        const horizon = end + (SPARSE_POLLS + 1) * every;
        const sparse = schedule(every, expected, horizon);
        const plain = schedule(every, undefined, horizon);
        for (const [i, p] of sparse.entries()) {
          expect(p % every).toBe(0);
          if (i > 0) expect(p).toBeGreaterThan(sparse[i - 1]!);
        }
        const dense = Math.floor((SPARSE_SHARE * expected) / every) * every;
        if (end > dense) expect(seenAt(sparse, end)).toBe(seenAt(plain, end));
        expect(seenAt(sparse, end) - seenAt(plain, end)).toBeLessThanOrEqual(SPARSE_POLLS * every);
        expect(sparse.length).toBeLessThanOrEqual(plain.length);
      }),
    );
  });
});
