// What least-busy and latency-based routing read: requests in flight and a moving average of latency.
const LATENCY_SMOOTHING = 0.3;

export class DeploymentStats {
  private readonly inFlight = new Map<string, number>();
  private readonly latencyMs = new Map<string, number>();

  started(id: string): void {
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
  }

  finished(id: string, ms: number, succeeded: boolean, timeoutMs: number): void {
    this.inFlight.set(id, Math.max(0, (this.inFlight.get(id) ?? 1) - 1));
    // A failure counts as slow as the timeout, so a failing deployment stops looking fast.
    const sample = succeeded ? ms : Math.max(ms, timeoutMs);
    const previous = this.latencyMs.get(id);
    this.latencyMs.set(id, previous === undefined ? sample : previous + LATENCY_SMOOTHING * (sample - previous));
  }

  /** A request that ended without telling anything about the deployment (the caller aborted it). */
  abandoned(id: string): void {
    this.inFlight.set(id, Math.max(0, (this.inFlight.get(id) ?? 1) - 1));
  }

  busy(id: string): number {
    return this.inFlight.get(id) ?? 0;
  }

  latency(id: string): number | undefined {
    return this.latencyMs.get(id);
  }
}
