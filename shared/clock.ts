/**
 * Wall-clock for functions that are not orchestrators (timer triggers, HTTP, activities
 * that need "now"). In Azure it is the system clock; locally it follows the devhost's
 * virtual clock (docs/virtual-clock.md) so rehearsals see the weekend they rehearse.
 */
export interface Clock {
  now(): Promise<number>;
}

export const systemClock: Clock = { now: async () => Date.now() };

/**
 * Follows `GET <url>` → `{ nowMs, speed }`. Reads the host on every call by default: a
 * rehearsal's time stands still, then jumps, so a cached reading would be stale by the
 * jump (and how stale would depend on how busy the machine is). With `refreshInMs` it
 * extrapolates between reads with the host's current speed.
 */
export function remoteClock(url: string, refreshInMs = 0): Clock {
  let last: { nowMs: number; speed: number; readAt: number } | undefined;
  return {
    async now() {
      const real = Date.now();
      if (!last || real - last.readAt >= refreshInMs) {
        const response = await fetch(url);
        if (!response.ok) throw new Error(`clock ${url} answered ${response.status}`);
        const body = (await response.json()) as { nowMs: number; speed?: number };
        last = { nowMs: body.nowMs, speed: body.speed ?? 1, readAt: Date.now() };
      }
      return last.nowMs + (Date.now() - last.readAt) * last.speed;
    },
  };
}
