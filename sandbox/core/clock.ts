import http from 'http';
import https from 'https';
import { z } from 'zod';
import type { ClockSource } from './types';

/** Real time, for when nobody drives a virtual clock. */
export const systemClock: ClockSource = { now: () => Date.now() };

/** The devhost's clock endpoint body (docs/virtual-clock.md). */
const ClockReading = z.object({
  nowMs: z.number(),
  speed: z.number().nonnegative().default(1),
  skipping: z.boolean().optional(),
});

/** Options for {@link HttpClockFollower}. */
export interface HttpClockFollowerOptions {
  /** How often to re-read the host's clock; between reads time is extrapolated with `speed`. */
  pollIntervalInMs?: number;
  /** Trust for an https clock URL. */
  ca?: string;
  /**
   * Read the clock before every request instead of polling (sync()). Exact under the devhost's
   * event-driven clock: time cannot move while a request to the estate is in flight (its caller
   * is work the clock waits for), so the reading holds for the whole request.
   */
  perRequest?: boolean;
  /** The time until the host first answers (it may start after the estate). */
  initialMs?: number;
}

/**
 * Follows the devhost clock served at MW_CLOCK_URL: polls it, extrapolates between polls with
 * `speed`, and never lets time run backwards (virtual time only moves forward).
 */
export class HttpClockFollower implements ClockSource {
  private baseVirtual = Date.now();
  private baseReal = Date.now();
  private speed = 1;
  private last = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly options: HttpClockFollowerOptions = {},
  ) {
    if (options.initialMs !== undefined) {
      this.baseVirtual = options.initialMs;
      this.speed = 0;
    }
  }

  /** Reads the clock once (so `now()` is right from the start) and keeps polling. */
  async start(): Promise<void> {
    if (this.options.perRequest) return this.sync();
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch(() => undefined);
    }, this.options.pollIntervalInMs ?? 250);
    this.timer.unref();
  }

  /** Stops polling. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  now(): number {
    const estimate = this.baseVirtual + (Date.now() - this.baseReal) * this.speed;
    this.last = Math.max(this.last, estimate);
    return Math.floor(this.last);
  }

  /** Before a request (perRequest): a fresh reading, or the last one while the host does not answer. */
  async sync(): Promise<void> {
    if (!this.options.perRequest) return;
    await this.refresh().catch(() => undefined);
  }

  /** Fetches one reading from the host. */
  async refresh(): Promise<void> {
    const body = await getJson(this.url, this.options.ca);
    const reading = ClockReading.parse(body);
    this.baseVirtual = reading.nowMs;
    this.baseReal = Date.now();
    this.speed = reading.speed;
  }
}

function getJson(url: string, ca: string | undefined): Promise<unknown> {
  const lib = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.get(url, { ca, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 400) {
          reject(new Error(`clock ${url} answered ${res.statusCode}`));
          return;
        }
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`clock ${url} timed out`)));
    req.on('error', reject);
  });
}
