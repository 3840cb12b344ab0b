// Prometheus metrics of the image routes, on a registry of the proxy's own (never prom-client's global one):
// what GET /metrics serves. Recorded once per image request, from the same request context as the
// x-imagegate-* headers and the spend ledger.
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { RequestContext } from './request-context.js';
import type { SpendLedger } from './spend-ledger.js';

/** Seconds: from a fast cached/mock answer up to a slow high-quality generation. */
export const IMAGE_DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120];

/** One finished image request, as the metrics see it. Unknown labels are empty strings. */
export interface ImageRequestSample {
  /** The route pattern that served it (`/v1/images/generations`, ...). */
  route: string;
  status: number;
  modelGroup: string;
  deployment: string;
  provider: string;
  durationSeconds: number;
  /** Time spent in provider HTTP calls, or undefined when none was made. */
  upstreamSeconds: number | undefined;
  /** Set for an error answer (status >= 400). */
  errorType: string | undefined;
  /** Images returned by a successful generation; undefined when the request failed. */
  images: number | undefined;
  /** USD cost of a successful generation, null when its price is unknown; undefined when the request failed. */
  costUsd: number | null | undefined;
}

interface CounterChild {
  inc(value?: number): void;
}
interface HistogramChild {
  observe(value: number): void;
}

/** The children of one model_group/deployment/provider, created once and reused: no label objects per request. */
interface Series {
  duration: HistogramChild;
  upstream: HistogramChild;
  images: CounterChild;
  spend: CounterChild;
  unpriced: CounterChild;
  /** By route and status. */
  requests: Map<string, CounterChild>;
  /** By error type and status. */
  errors: Map<string, CounterChild>;
}

export interface ProxyMetricsOptions {
  /** Also export prom-client's process metrics (CPU, memory, event loop lag, GC) on this registry. */
  processMetrics?: boolean;
}

export const METRIC_NAMES = {
  requests: 'imagegate_requests_total',
  errors: 'imagegate_request_errors_total',
  duration: 'imagegate_request_duration_seconds',
  upstream: 'imagegate_upstream_duration_seconds',
  images: 'imagegate_images_generated_total',
  spend: 'imagegate_spend_usd_total',
  unpriced: 'imagegate_unpriced_requests_total',
} as const;

const SERIES_LABELS = ['model_group', 'deployment', 'provider'] as const;

export class ProxyMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'model_group' | 'deployment' | 'provider' | 'status'>;
  private readonly errors: Counter<'model_group' | 'deployment' | 'provider' | 'error_type' | 'status'>;
  private readonly duration: Histogram<(typeof SERIES_LABELS)[number]>;
  private readonly upstream: Histogram<(typeof SERIES_LABELS)[number]>;
  private readonly images: Counter<(typeof SERIES_LABELS)[number]>;
  private readonly spend: Counter<(typeof SERIES_LABELS)[number]>;
  private readonly unpriced: Counter<(typeof SERIES_LABELS)[number]>;
  private readonly series = new Map<string, Series>();

  constructor(options: ProxyMetricsOptions = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: METRIC_NAMES.requests,
      help: 'Image requests answered, failures included.',
      labelNames: ['route', 'model_group', 'deployment', 'provider', 'status'],
      registers,
    });
    this.errors = new Counter({
      name: METRIC_NAMES.errors,
      help: 'Image requests answered with an error.',
      labelNames: ['model_group', 'deployment', 'provider', 'error_type', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: METRIC_NAMES.duration,
      help: 'Time from receiving an image request to answering it, in seconds.',
      labelNames: SERIES_LABELS,
      buckets: IMAGE_DURATION_BUCKETS,
      registers,
    });
    this.upstream = new Histogram({
      name: METRIC_NAMES.upstream,
      help: 'Time an image request spent in provider HTTP calls (all attempts), in seconds.',
      labelNames: SERIES_LABELS,
      buckets: IMAGE_DURATION_BUCKETS,
      registers,
    });
    this.images = new Counter({
      name: METRIC_NAMES.images,
      help: 'Images returned by successful generations.',
      labelNames: SERIES_LABELS,
      registers,
    });
    this.spend = new Counter({
      name: METRIC_NAMES.spend,
      help: 'USD cost of successful generations whose price is known.',
      labelNames: SERIES_LABELS,
      registers,
    });
    this.unpriced = new Counter({
      name: METRIC_NAMES.unpriced,
      help: 'Successful generations whose price is unknown (not in imagegate_spend_usd_total).',
      labelNames: SERIES_LABELS,
      registers,
    });
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of this registry. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  record(sample: ImageRequestSample): void {
    const series = this.seriesOf(sample.modelGroup, sample.deployment, sample.provider);
    const status = String(sample.status);
    const requestKey = `${sample.route}\u0000${status}`;
    let requests = series.requests.get(requestKey);
    if (requests === undefined) {
      requests = this.requests.labels(sample.route, sample.modelGroup, sample.deployment, sample.provider, status);
      series.requests.set(requestKey, requests);
    }
    requests.inc();
    series.duration.observe(sample.durationSeconds);
    if (sample.upstreamSeconds !== undefined) series.upstream.observe(sample.upstreamSeconds);
    if (sample.costUsd !== undefined) {
      series.images.inc(sample.images ?? 0);
      if (sample.costUsd === null) series.unpriced.inc();
      else series.spend.inc(sample.costUsd);
    } else if (sample.status >= 400) {
      const errorType = sample.errorType ?? '';
      const errorKey = `${errorType}\u0000${status}`;
      let errors = series.errors.get(errorKey);
      if (errors === undefined) {
        errors = this.errors.labels(sample.modelGroup, sample.deployment, sample.provider, errorType, status);
        series.errors.set(errorKey, errors);
      }
      errors.inc();
    }
  }

  private seriesOf(modelGroup: string, deployment: string, provider: string): Series {
    const key = `${modelGroup}\u0000${deployment}\u0000${provider}`;
    let series = this.series.get(key);
    if (series === undefined) {
      series = {
        duration: this.duration.labels(modelGroup, deployment, provider),
        upstream: this.upstream.labels(modelGroup, deployment, provider),
        images: this.images.labels(modelGroup, deployment, provider),
        spend: this.spend.labels(modelGroup, deployment, provider),
        unpriced: this.unpriced.labels(modelGroup, deployment, provider),
        requests: new Map(),
        errors: new Map(),
      };
      this.series.set(key, series);
    }
    return series;
  }
}

/**
 * Records one finished image request in the metrics and, when it was a successful generation, in the spend
 * ledger: the single place both learn about traffic, from the context that also set x-imagegate-response-cost.
 */
export function recordImageRequest(context: RequestContext, route: string, status: number, metrics: ProxyMetrics, ledger: SpendLedger): void {
  if (context.recorded) return;
  context.recorded = true;
  const routing = context.routing;
  if (context.responseCost !== undefined) ledger.record(routing, context.responseCost);
  metrics.record({
    route,
    status,
    modelGroup: routing?.model_group ?? '',
    deployment: routing?.model_id ?? '',
    provider: routing?.provider ?? '',
    durationSeconds: (performance.now() - context.startedAt) / 1000,
    upstreamSeconds: context.upstreamCalls > 0 ? context.upstreamMs / 1000 : undefined,
    errorType: context.error?.type,
    images: context.images,
    costUsd: context.responseCost,
  });
}
