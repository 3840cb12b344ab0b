// Running USD spend of the proxy since it started, in memory: what GET /spend reports. Only successful
// generations are recorded (a failed call costs nothing); one whose price is unknown counts as unpriced.
import type { RoutingInfo } from '../errors/classes.js';

export interface SpendTotals {
  total_usd: number;
  requests: number;
  unpriced_requests: number;
}

export interface DeploymentSpend extends SpendTotals {
  model_group: string;
  provider: string;
}

export interface SpendReport extends SpendTotals {
  model_groups: Record<string, SpendTotals>;
  deployments: Record<string, DeploymentSpend>;
  /** ISO time the ledger started counting. */
  since: string;
}

/** Enough significant digits to hide float noise in sums (0.1 + 0.2), far below a cent. */
const REPORT_PRECISION = 12;
const SIGNIFICANT_DIGITS = 10;

function addTo(totals: SpendTotals, cost: number | null): void {
  totals.requests++;
  if (cost === null) totals.unpriced_requests++;
  else totals.total_usd += cost;
}

const reported = (usd: number): number => Number(usd.toPrecision(REPORT_PRECISION));

function report<T extends SpendTotals>(totals: T): T {
  return { ...totals, total_usd: reported(totals.total_usd) };
}

/**
 * A USD amount as a plain decimal string: at most 10 significant digits, never an exponent, no trailing
 * zeros (`0.04`, `0`, `0.0000012`, `1500`). The value of the x-imagegate-response-cost header.
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) throw new RangeError(`Not a USD amount: ${usd}`);
  const [mantissa, exponentText] = Math.abs(usd).toPrecision(SIGNIFICANT_DIGITS).split('e') as [string, string | undefined];
  const [whole, fraction = ''] = mantissa.split('.') as [string, string | undefined];
  const digits = whole + fraction;
  const point = whole.length + Number(exponentText ?? 0);
  let text: string;
  if (point <= 0) text = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) text = digits + '0'.repeat(point - digits.length);
  else text = `${digits.slice(0, point)}.${digits.slice(point)}`;
  if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  text = text.replace(/^0+(?=\d)/, '');
  return usd < 0 && /[1-9]/.test(text) ? `-${text}` : text;
}

export class SpendLedger {
  readonly since: Date;
  private readonly totals: SpendTotals = { total_usd: 0, requests: 0, unpriced_requests: 0 };
  private readonly groups = new Map<string, SpendTotals>();
  private readonly deployments = new Map<string, DeploymentSpend>();

  /**
   * @param deploymentGroup names the model group a deployment belongs to (for a fallback, not the group
   *   the client asked for); without it, or when it does not know the id, the requested group is used.
   */
  constructor(
    private readonly deploymentGroup: (deploymentId: string) => string | undefined = () => undefined,
    now: Date = new Date(),
  ) {
    this.since = now;
  }

  /** One successful generation: `cost` in USD, or null when its price is unknown. */
  record(routing: RoutingInfo | undefined, cost: number | null): void {
    if (cost !== null && !Number.isFinite(cost)) cost = null;
    addTo(this.totals, cost);
    if (routing === undefined) return;
    let group = this.groups.get(routing.model_group);
    if (group === undefined) {
      group = { total_usd: 0, requests: 0, unpriced_requests: 0 };
      this.groups.set(routing.model_group, group);
    }
    addTo(group, cost);
    if (routing.model_id === null) return;
    let deployment = this.deployments.get(routing.model_id);
    if (deployment === undefined) {
      deployment = {
        model_group: this.deploymentGroup(routing.model_id) ?? routing.model_group,
        provider: routing.provider ?? '',
        total_usd: 0,
        requests: 0,
        unpriced_requests: 0,
      };
      this.deployments.set(routing.model_id, deployment);
    }
    addTo(deployment, cost);
  }

  report(): SpendReport {
    return {
      ...report(this.totals),
      model_groups: Object.fromEntries([...this.groups].map(([name, totals]) => [name, report(totals)])),
      deployments: Object.fromEntries([...this.deployments].map(([id, totals]) => [id, report(totals)])),
      since: this.since.toISOString(),
    };
  }
}
