// What the bench parent and its child processes exchange over IPC.

export interface LoadJob {
  url: string;
  body: unknown;
  connections: number;
  seconds: number;
  /** A 2xx response with fewer bytes (status line, headers and body) than this counts as short: the payload did not come through. */
  minResponseBytes?: number;
}

export interface LoadResult {
  /** Responses completed within the run. */
  requests: number;
  /** Closed-loop throughput: per connection, responses over the time to its last response; summed over connections. */
  reqPerSec: number;
  /** Client-side latency, ms, from writing the request to the last byte of the response. */
  p50: number;
  p99: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** 2xx responses smaller than the job's minResponseBytes. */
  short: number;
  /** x-imagegate-overhead-duration-ms (whole ms, as the proxy reports it), over every response that carried it. */
  overheadSamples: number;
  overheadP50: number | undefined;
  overheadP99: number | undefined;
}

export type LoadReply = { ok: true; result: LoadResult } | { ok: false; error: string };

/** The upstream's prebuilt body sizes, bytes. */
export interface UpstreamBodies {
  openaiSmall: number;
  openaiLarge: number;
  bedrockSmall: number;
  bedrockLarge: number;
}

/** Nearest-rank percentile of an ascending array (NaN when empty). */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
