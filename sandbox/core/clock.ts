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
  ) {}

  /** Reads the clock once (so `now()` is right from the start) and keeps polling. */
  async start(): Promise<void> {
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
