// Per-deployment requests-per-minute limits over a sliding 60-second window. Only deployments with an rpm are
// tracked, and old starts leave from the front (starts arrive in time order), so a check costs O(expired).
const WINDOW_MS = 60_000;

export class RpmWindow {
  private readonly starts = new Map<string, number[]>();

  constructor(private readonly now: () => number) {}

  private recent(id: string): number[] {
    let list = this.starts.get(id);
    if (list === undefined) {
      list = [];
      this.starts.set(id, list);
    }
    const cutoff = this.now() - WINDOW_MS;
    let expired = 0;
    while (expired < list.length && list[expired]! <= cutoff) expired++;
    if (expired > 0) list.splice(0, expired);
    return list;
  }

  hasRoom(id: string, rpm: number | undefined): boolean {
    return rpm === undefined || this.recent(id).length < rpm;
  }

  record(id: string, rpm: number | undefined): void {
    if (rpm !== undefined) this.recent(id).push(this.now());
  }

  /** Milliseconds until the oldest request in the window leaves it. */
  msUntilRoom(id: string): number {
    const oldest = this.recent(id)[0];
    return oldest === undefined ? 0 : Math.max(0, oldest + WINDOW_MS - this.now());
  }
}
