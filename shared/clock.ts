/**
 * Wall-clock for functions that are not orchestrators (timer triggers, HTTP, activities
 * that need "now"). In Azure it is the system clock; locally it follows the devhost's
 * virtual clock (docs/virtual-clock.md) so rehearsals see the weekend they rehearse.
 */
export interface Clock {
  now(): Promise<number>;
}

export const systemClock: Clock = { now: async () => Date.now() };

/** Follows `GET <url>` → `{ nowMs, speed }`, extrapolating between reads. */
export function remoteClock(url: string, refreshInMs = 1000): Clock {
  let last: { nowMs: number; speed: number; readAt: number } | undefined;
  return {
    async now() {
      const real = Date.now();
      if (!last || real - last.readAt > refreshInMs) {
        const response = await fetch(url);
        if (!response.ok) throw new Error(`clock ${url} answered ${response.status}`);
        const body = (await response.json()) as { nowMs: number; speed?: number };
        last = { nowMs: body.nowMs, speed: body.speed ?? 1, readAt: Date.now() };
      }
      return last.nowMs + (Date.now() - last.readAt) * last.speed;
    },
  };
}
