// Cost tracking as an operator sees it: the built CLI in its own process, the official openai client. The
// x-imagegate-response-cost header of each answer, GET /spend and the Prometheus spend counter add up to the same USD.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { isolatedEnv } from '../helpers/proxy-process.js';
import { proxy } from './helpers/lifecycle.js';
import { parseMetrics, total, type Sample } from '../helpers/prometheus-text.js';

const KEY = 'sk-master-e2e';

const config = `
model_list:
  - model_name: priced
    litellm_params: { model: mock/image-1 }
    model_info: { id: priced-1, output_cost_per_image: 0.04 }
  - model_name: catalog
    litellm_params: { model: mock/image-1 }
    model_info: { id: catalog-1 }
  - model_name: broken
    litellm_params: { model: mock/image-1, mock_error: 503 }
    model_info: { id: broken-1 }
router_settings: { num_retries: 0 }
general_settings: { master_key: os.environ/PROXY_KEY }
`;

/** A GET with the proxy key, a wrong one, or (null) none. */
async function get(url: string, key: string | null = KEY): Promise<Response> {
  return fetch(url, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
}

describe('cost tracking (e2e)', () => {
  it('sums x-imagegate-response-cost over requests to /spend total_usd and imagegate_spend_usd_total', async () => {
    const proxyProcess = await proxy({ config, env: isolatedEnv({ PROXY_KEY: KEY }) });
    const api = new OpenAI({ baseURL: `${proxyProcess.url}/v1`, apiKey: KEY, maxRetries: 0 });

    const headerCosts: (string | null)[] = [];
    let images = 0;
    const calls: { model: string; n?: number }[] = [
      { model: 'priced' },
      { model: 'priced', n: 3 },
      { model: 'catalog' },
      { model: 'priced', n: 2 },
      { model: 'catalog', n: 2 },
    ];
    for (const call of calls) {
      const { data, response } = await api.images.generate({ prompt: 'a lighthouse at dusk', size: '256x256', ...call }).withResponse();
      images += data.data?.length ?? 0;
      headerCosts.push(response.headers.get('x-imagegate-response-cost'));
    }
    // Failures cost nothing and carry no cost header.
    for (let i = 0; i < 2; i++) {
      const failure = await api.images
        .generate({ model: 'broken', prompt: 'x', size: '256x256' })
        .withResponse()
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.APIError);
      expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
      expect((failure as InstanceType<typeof OpenAI.APIError>).headers?.get('x-imagegate-response-cost')).toBeNull();
    }

    expect(images).toBe(9);
    expect([headerCosts[0], headerCosts[1], headerCosts[3]]).toEqual(['0.04', '0.12', '0.08']);
    for (const cost of headerCosts) if (cost !== null) expect(cost).toMatch(/^\d+(\.\d+)?$/);
    const headerUsd = headerCosts.reduce((sum, cost) => sum + (cost === null ? 0 : Number(cost)), 0);
    const unpriced = headerCosts.filter((cost) => cost === null).length;

    expect((await get(`${proxyProcess.url}/spend`, null)).status).toBe(401);
    expect((await get(`${proxyProcess.url}/metrics`, 'sk-wrong')).status).toBe(401);

    const spend = (await (await get(`${proxyProcess.url}/spend`)).json()) as Record<string, unknown> & {
      total_usd: number;
      deployments: Record<string, { total_usd: number; requests: number }>;
    };
    expect(spend.total_usd).toBeCloseTo(headerUsd, 9);
    expect(spend).toMatchObject({ requests: 5, unpriced_requests: unpriced });
    expect(spend.deployments['priced-1']).toEqual({ model_group: 'priced', provider: 'mock', total_usd: 0.24, requests: 3, unpriced_requests: 0 });
    expect(spend.deployments['broken-1']).toBeUndefined();

    const metricsAnswer = await get(`${proxyProcess.url}/metrics`);
    expect(metricsAnswer.status).toBe(200);
    expect(metricsAnswer.headers.get('content-type')).toContain('text/plain');
    const samples = parseMetrics(await metricsAnswer.text());
    expect(total(samples, 'imagegate_spend_usd_total')).toBeCloseTo(spend.total_usd, 9);
    expect(total(samples, 'imagegate_spend_usd_total', { model_group: 'priced', deployment: 'priced-1', provider: 'mock' })).toBeCloseTo(0.24, 9);
    expect(total(samples, 'imagegate_unpriced_requests_total')).toBe(unpriced);
    expect(total(samples, 'imagegate_images_generated_total')).toBe(9);
    expect(total(samples, 'imagegate_requests_total', { status: '200' })).toBe(5);
    expect(total(samples, 'imagegate_requests_total', { model_group: 'broken', status: '503' })).toBe(2);
    expect(total(samples, 'imagegate_request_errors_total', { model_group: 'broken', deployment: 'broken-1', status: '503' })).toBe(2);
    expect(total(samples, 'imagegate_request_duration_seconds_count')).toBe(7);
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
  });

  it('counts a request whose client left before the answer as status 499, at no cost', async () => {
    const proxyProcess = await proxy({ config, env: isolatedEnv({ PROXY_KEY: KEY }) });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const aborted = await fetch(`${proxyProcess.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'priced', prompt: 'x', size: '16x16', mock_latency_ms: 5000 }),
      signal: controller.signal,
    }).catch((error: unknown) => error);
    expect(aborted).toMatchObject({ name: 'AbortError' });

    // The proxy notices the disconnect, aborts the upstream call and records the request.
    let samples: Sample[] = [];
    for (let i = 0; i < 100 && total(samples, 'imagegate_requests_total') === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      samples = parseMetrics(await (await get(`${proxyProcess.url}/metrics`)).text());
    }
    expect(total(samples, 'imagegate_requests_total', { model_group: 'priced', deployment: 'priced-1', status: '499' })).toBe(1);
    expect(total(samples, 'imagegate_request_errors_total', { status: '499' })).toBe(1);
    expect(total(samples, 'imagegate_spend_usd_total')).toBe(0);
    const spend = (await (await get(`${proxyProcess.url}/spend`)).json()) as { total_usd: number; requests: number };
    expect(spend).toMatchObject({ total_usd: 0, requests: 0 });
  });
});
