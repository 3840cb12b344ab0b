// Spend and metrics of the proxy: the x-imagegate-response-cost header, GET /spend and GET /metrics count the
// same traffic (successes and failures), per model group and deployment, behind the master key.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../src/proxy/metrics.js';
import { buildProxy } from '../../src/proxy/server.js';
import { formatUsd, SpendLedger, type SpendReport } from '../../src/proxy/spend-ledger.js';
import { Router } from '../../src/router/router.js';
import { parseMetrics, total, type Sample } from '../helpers/prometheus-text.js';

const KEY = 'sk-proxy';
const auth = { authorization: `Bearer ${KEY}` };
const PRICE = 0.25;

function build() {
  return buildProxy({
    router: new Router({
      model_list: [
        // Priced by the deployment's model_info: a known, non-zero USD cost per image.
        { model_name: 'priced', litellm_params: { model: 'mock/image-1' }, model_info: { id: 'priced-1', output_cost_per_image: PRICE } },
        // The catalog's price of the mock (0 once priced; null = unpriced before): read from the answers.
        { model_name: 'catalog', litellm_params: { model: 'mock/image-1' }, model_info: { id: 'catalog-1' } },
        // Every call fails upstream with a 503.
        { model_name: 'broken', litellm_params: { model: 'mock/image-1', mock_error: 503 }, model_info: { id: 'broken-1' } },
        // Fails, then falls back to `priced`.
        { model_name: 'flaky', litellm_params: { model: 'mock/image-1', mock_error: 503 }, model_info: { id: 'flaky-1' } },
      ],
      router_settings: { num_retries: 0, fallbacks: [{ flaky: ['priced'] }] },
    }),
    logger: pino({ level: 'silent' }),
    masterKey: KEY,
    allowClientSideCredentials: false,
    maxRequestSizeMb: 1,
    health: { draining: false },
    startedAtSeconds: 1700000000,
  });
}

type App = ReturnType<typeof build>;

function generate(app: App, payload: Record<string, unknown>, url = '/v1/images/generations') {
  return app.inject({ method: 'POST', url, headers: auth, payload: { prompt: 'an otter', size: '16x16', ...payload } });
}

async function metrics(app: App): Promise<Sample[]> {
  const answer = await app.inject({ url: '/metrics', headers: auth });
  expect(answer.statusCode).toBe(200);
  expect(answer.headers['content-type']).toContain('text/plain');
  return parseMetrics(answer.body);
}

async function spend(app: App): Promise<SpendReport> {
  const answer = await app.inject({ url: '/spend', headers: auth });
  expect(answer.statusCode).toBe(200);
  return answer.json<SpendReport>();
}

/** The header's cost, or null when the answer carries none (unknown price). */
function headerCost(answer: { headers: Record<string, unknown> }): number | null {
  const value = answer.headers['x-imagegate-response-cost'];
  if (value === undefined) return null;
  expect(value).toMatch(/^\d+(\.\d+)?$/);
  return Number(value);
}

describe('x-imagegate-response-cost', () => {
  it('is the known price of a generation as a plain decimal', async () => {
    const app = build();
    const one = await generate(app, { model: 'priced' });
    expect(one.statusCode).toBe(200);
    expect(one.headers['x-imagegate-response-cost']).toBe('0.25');
    const three = await generate(app, { model: 'priced', n: 3 });
    expect(three.headers['x-imagegate-response-cost']).toBe('0.75');
  });

  it('is absent from failed answers', async () => {
    const app = build();
    const answer = await generate(app, { model: 'broken' });
    expect(answer.statusCode).toBe(503);
    expect(answer.headers['x-imagegate-response-cost']).toBeUndefined();
  });

  it('formats USD without exponents, up to 10 significant digits', () => {
    expect(formatUsd(0.04)).toBe('0.04');
    expect(formatUsd(0)).toBe('0');
    expect(formatUsd(-0)).toBe('0');
    expect(formatUsd(1500)).toBe('1500');
    expect(formatUsd(0.1 + 0.2)).toBe('0.3');
    expect(formatUsd(1e-7)).toBe('0.0000001');
    expect(formatUsd(2.5e-10)).toBe('0.00000000025');
    expect(formatUsd(1234.5678901234)).toBe('1234.56789');
    expect(formatUsd(0.123456789012345)).toBe('0.123456789');
    expect(formatUsd(1e21)).toBe('1000000000000000000000');
    expect(formatUsd(9.99999999999)).toBe('10');
    expect(() => formatUsd(Number.NaN)).toThrow(RangeError);
  });
});

describe('SpendLedger', () => {
  it('sums costs in total, by group and by deployment, and counts unpriced successes', () => {
    const ledger = new SpendLedger((id) => (id === 'd1' ? 'g1' : undefined), new Date('2026-01-02T03:04:05.000Z'));
    const routing = (group: string, id: string | null) => ({
      model_group: group,
      model_id: id,
      provider: 'mock',
      attempted_retries: 0,
      attempted_fallbacks: 0,
    });
    ledger.record(routing('g1', 'd1'), 0.1);
    ledger.record(routing('g1', 'd1'), 0.2);
    ledger.record(routing('g2', 'd1'), null); // a fallback of g2 served by g1's deployment
    ledger.record(routing('g2', 'd2'), 0.5);
    expect(ledger.report()).toEqual({
      total_usd: 0.8,
      requests: 4,
      unpriced_requests: 1,
      model_groups: {
        g1: { total_usd: 0.3, requests: 2, unpriced_requests: 0 },
        g2: { total_usd: 0.5, requests: 2, unpriced_requests: 1 },
      },
      deployments: {
        d1: { model_group: 'g1', provider: 'mock', total_usd: 0.3, requests: 3, unpriced_requests: 1 },
        d2: { model_group: 'g2', provider: 'mock', total_usd: 0.5, requests: 1, unpriced_requests: 0 },
      },
      since: '2026-01-02T03:04:05.000Z',
    });
  });
});

describe('GET /spend and GET /metrics', () => {
  it('require the master key', async () => {
    const app = build();
    for (const url of ['/spend', '/metrics']) {
      const answer = await app.inject({ url });
      expect(answer.statusCode).toBe(401);
      expect(answer.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
      expect((await app.inject({ url, headers: { authorization: 'Bearer sk-wrong' } })).statusCode).toBe(401);
      expect((await app.inject({ url, headers: { 'x-api-key': KEY } })).statusCode).toBe(200);
    }
  });

  it('start at zero', async () => {
    const before = new Date();
    const app = build();
    const report = await spend(app);
    expect(report).toMatchObject({ total_usd: 0, requests: 0, unpriced_requests: 0, model_groups: {}, deployments: {} });
    expect(Date.parse(report.since)).toBeGreaterThanOrEqual(before.getTime() - 1);
    const samples = await metrics(app);
    for (const name of Object.values(METRIC_NAMES)) expect(total(samples, name)).toBe(0);
    expect(samples.some((sample) => sample.name === 'process_resident_memory_bytes' || sample.name.startsWith('nodejs_'))).toBe(true);
  });

  it('count the same successes, failures and costs as the answers carried', async () => {
    const app = build();
    const answers = [];
    // Successes: priced (1 + 2 + 1 images), the catalog-priced mock (2 x 1 image), a fallback from flaky to priced.
    answers.push(await generate(app, { model: 'priced' }));
    answers.push(await generate(app, { model: 'priced', n: 2 }, '/images/generations'));
    answers.push(await generate(app, { model: 'priced' }, '/openai/deployments/priced/images/generations'));
    answers.push(await generate(app, { model: 'catalog' }));
    answers.push(await generate(app, { model: 'catalog' }));
    answers.push(await generate(app, { model: 'flaky' }));
    // Failures: a deployment that always fails, a client-sent mock_error, an unknown model, no key.
    answers.push(await generate(app, { model: 'broken' }));
    answers.push(await generate(app, { model: 'broken' }));
    answers.push(await generate(app, { model: 'catalog', mock_error: 500 }));
    answers.push(await generate(app, { model: 'nope' }));
    answers.push(await app.inject({ method: 'POST', url: '/v1/images/generations', payload: { model: 'priced', prompt: 'x' } }));
    // Not image traffic: not counted.
    await app.inject({ url: '/v1/models', headers: auth });

    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200, 200, 200, 200, 503, 503, 500, 404, 401]);
    const costs = answers.map(headerCost);
    expect(costs.slice(0, 3)).toEqual([0.25, 0.5, 0.25]);
    expect(costs[5]).toBe(0.25); // served by priced-1 after the fallback
    expect(costs.slice(6)).toEqual([null, null, null, null, null]);
    const catalogCosts = costs.slice(3, 5);
    const catalogUnpriced = catalogCosts.filter((cost) => cost === null).length;
    const catalogUsd = catalogCosts.reduce<number>((sum, cost) => sum + (cost ?? 0), 0);
    const headerUsd = costs.reduce<number>((sum, cost) => sum + (cost ?? 0), 0);
    expect(headerUsd).toBeCloseTo(1.25 + catalogUsd, 10);

    const report = await spend(app);
    expect(report.total_usd).toBeCloseTo(headerUsd, 10);
    expect(report).toMatchObject({ requests: 6, unpriced_requests: catalogUnpriced });
    expect(report.model_groups).toEqual({
      priced: { total_usd: 1, requests: 3, unpriced_requests: 0 },
      catalog: { total_usd: catalogUsd, requests: 2, unpriced_requests: catalogUnpriced },
      flaky: { total_usd: 0.25, requests: 1, unpriced_requests: 0 },
    });
    expect(report.deployments).toEqual({
      'priced-1': { model_group: 'priced', provider: 'mock', total_usd: 1.25, requests: 4, unpriced_requests: 0 },
      'catalog-1': { model_group: 'catalog', provider: 'mock', total_usd: catalogUsd, requests: 2, unpriced_requests: catalogUnpriced },
    });

    const samples = await metrics(app);
    // Every image request, failures included; unknown labels are empty.
    expect(total(samples, 'imagegate_requests_total')).toBe(11);
    expect(total(samples, 'imagegate_requests_total', { status: '200' })).toBe(6);
    expect(
      total(samples, 'imagegate_requests_total', {
        route: '/v1/images/generations',
        model_group: 'priced',
        deployment: 'priced-1',
        provider: 'mock',
        status: '200',
      }),
    ).toBe(1);
    expect(total(samples, 'imagegate_requests_total', { route: '/images/generations', model_group: 'priced', status: '200' })).toBe(1);
    expect(
      total(samples, 'imagegate_requests_total', { route: '/openai/deployments/:model/images/generations', model_group: 'priced', status: '200' }),
    ).toBe(1);
    expect(total(samples, 'imagegate_requests_total', { model_group: 'flaky', deployment: 'priced-1', status: '200' })).toBe(1);
    expect(total(samples, 'imagegate_requests_total', { model_group: 'broken', deployment: 'broken-1', provider: 'mock', status: '503' })).toBe(2);
    expect(total(samples, 'imagegate_requests_total', { model_group: '', deployment: '', provider: '', status: '404' })).toBe(1);
    expect(total(samples, 'imagegate_requests_total', { model_group: '', deployment: '', provider: '', status: '401' })).toBe(1);
    // Errors: every non-2xx answer, by type and status.
    expect(total(samples, 'imagegate_request_errors_total')).toBe(5);
    expect(total(samples, 'imagegate_request_errors_total', { model_group: 'broken', deployment: 'broken-1', status: '503' })).toBe(2);
    expect(total(samples, 'imagegate_request_errors_total', { model_group: 'catalog', deployment: 'catalog-1', status: '500' })).toBe(1);
    expect(total(samples, 'imagegate_request_errors_total', { status: '404', error_type: 'not_found_error' })).toBe(1);
    expect(total(samples, 'imagegate_request_errors_total', { status: '401', error_type: 'authentication_error' })).toBe(1);
    // Durations: one observation per request; upstream time only for requests that called a provider.
    expect(total(samples, 'imagegate_request_duration_seconds_count')).toBe(11);
    expect(total(samples, 'imagegate_request_duration_seconds_bucket', { le: '+Inf' })).toBe(11);
    expect(total(samples, 'imagegate_request_duration_seconds_bucket', { le: '120' })).toBe(11);
    expect(total(samples, 'imagegate_request_duration_seconds_count', { model_group: 'priced', deployment: 'priced-1' })).toBe(3);
    expect(total(samples, 'imagegate_upstream_duration_seconds_count')).toBe(9);
    expect(total(samples, 'imagegate_upstream_duration_seconds_count', { model_group: 'broken' })).toBe(2);
    expect(total(samples, 'imagegate_upstream_duration_seconds_sum')).toBeGreaterThan(0);
    const buckets = samples
      .filter((s) => s.name === 'imagegate_request_duration_seconds_bucket' && s.labels['model_group'] === 'priced')
      .map((s) => s.labels['le']);
    expect(buckets[0]).toBe('0.05');
    expect(buckets.at(-2)).toBe('120');
    // Images and spend of the successes, the same as /spend and the headers.
    expect(total(samples, 'imagegate_images_generated_total')).toBe(7);
    expect(total(samples, 'imagegate_images_generated_total', { model_group: 'priced', deployment: 'priced-1' })).toBe(4);
    expect(total(samples, 'imagegate_spend_usd_total')).toBeCloseTo(report.total_usd, 10);
    expect(total(samples, 'imagegate_spend_usd_total', { deployment: 'priced-1' })).toBeCloseTo(1.25, 10);
    expect(total(samples, 'imagegate_spend_usd_total', { model_group: 'flaky', deployment: 'priced-1' })).toBeCloseTo(0.25, 10);
    expect(total(samples, 'imagegate_unpriced_requests_total')).toBe(report.unpriced_requests);
  });
});
