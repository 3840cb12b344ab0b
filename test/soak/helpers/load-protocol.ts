// What soak.test.ts and its load generator child (load-worker.ts) exchange over IPC. Kept apart from
// load-worker.ts, which listens for IPC messages as soon as it is imported.

export interface LoadJob {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  /** Requests per second over all connections (autocannon's overallRate). */
  overallRate: number;
  /** Requests in all; autocannon waits for every answer, so none is cut off at the end. */
  amount: number;
  /** Seconds autocannon waits for one answer before counting a timeout. */
  timeoutSeconds: number;
  /** Every answer (headers and body) is searched for these; hits are counted, never kept. */
  secrets: string[];
  /** Keep every n-th answer for the parent's own checks. */
  sampleEvery: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  reqPerSec: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Answers that were not a JSON image response (data[0].b64_json). */
  mismatches: number;
  /** Answers (headers or body) that contained one of the secrets. */
  secretHits: number;
  /** Client-side latency, ms (autocannon's histogram: whole milliseconds). */
  latencyP50: number;
  latencyP99: number;
  latencyMax: number;
  /** A sample of answers, plus the answers that were not an image (the first thousand). */
  kept: { headers: string; body: string }[];
}

export type LoadReply = { ok: true; result: LoadResult } | { ok: false; error: string };
