export interface ProbeRequest {
  url: string;
  method: 'GET' | 'HEAD' | 'POST';
  expectStatus: number[];
  expectBody?: string;
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
