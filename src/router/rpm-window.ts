// Per-deployment requests-per-minute limits over a sliding 60-second window.
const WINDOW_MS = 60_000;

export class RpmWindow {
  private readonly starts = new Map<string, number[]>();

  constructor(private readonly now: () => number) {}

  private recent(id: string): number[] {
    const cutoff = this.now() - WINDOW_MS;
    const list = (this.starts.get(id) ?? []).filter((t) => t > cutoff);
    this.starts.set(id, list);
    return list;
  }

  hasRoom(id: string, rpm: number | undefined): boolean {
    return rpm === undefined || this.recent(id).length < rpm;
  }

  record(id: string): void {
    this.recent(id).push(this.now());
  }

  /** Milliseconds until the oldest request in the window leaves it. */
  msUntilRoom(id: string): number {
    const oldest = this.recent(id)[0];
    return oldest === undefined ? 0 : Math.max(0, oldest + WINDOW_MS - this.now());
  }
}
