// A deployment that fails allowed_fails times within a minute rests for cooldown_time; its peers take the traffic.
const WINDOW_MS = 60_000;

export interface CooldownSettings {
  allowedFails: number;
  cooldownMs: number;
}

export class Cooldowns {
  private readonly failures = new Map<string, number[]>();
  private readonly coolingUntil = new Map<string, number>();

  constructor(
    private readonly settings: CooldownSettings,
    private readonly now: () => number,
  ) {}

  /** Records a failure; returns true when it started a cooldown. */
  recordFailure(id: string): boolean {
    const now = this.now();
    const recent = (this.failures.get(id) ?? []).filter((t) => t > now - WINDOW_MS);
    recent.push(now);
    if (recent.length >= Math.max(1, this.settings.allowedFails) && this.settings.cooldownMs > 0) {
      this.failures.delete(id);
      this.coolingUntil.set(id, now + this.settings.cooldownMs);
      return true;
    }
    this.failures.set(id, recent);
    return false;
  }

  isCooling(id: string): boolean {
    const until = this.coolingUntil.get(id);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.coolingUntil.delete(id);
    return false;
  }

  msUntilReady(id: string): number {
    return Math.max(0, (this.coolingUntil.get(id) ?? 0) - this.now());
  }
}
