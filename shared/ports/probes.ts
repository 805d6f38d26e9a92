export interface ProbeRequest {
  url: string;
  method: 'GET' | 'HEAD' | 'POST';
  expectStatus: number[];
  expectBody?: string;
  /** Text the body must not contain. */
  rejectBody?: string;
  /** A header that must be present. */
  expectHeader?: string;
  timeoutInMs: number;
}

export interface ProbeResult {
  ok: boolean;
  status?: number;
  reason?: string;
}

/** Plain HTTP(S) checks: sanity probes, smoke checks, redirect verification. */
export interface ProbeClient {
  probe(request: ProbeRequest): Promise<ProbeResult>;
}
