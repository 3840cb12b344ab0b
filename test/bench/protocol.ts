// What the bench parent and its load-generator child exchange over IPC.

export interface LoadJob {
  url: string;
  body: unknown;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  requests: number;
  reqPerSec: number;
  /** Client-side latency, ms. */
  p50: number;
  p99: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** x-imagegate-overhead-duration-ms (whole ms, as the proxy reports it), over every response that carried it. */
  overheadSamples: number;
  overheadP50: number | undefined;
  overheadP99: number | undefined;
}

export type LoadReply = { ok: true; result: LoadResult } | { ok: false; error: string };

/** Nearest-rank percentile of an ascending array (NaN when empty). */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
