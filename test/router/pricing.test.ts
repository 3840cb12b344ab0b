// What a routed call costs: the catalog price, a deployment's model_info override, or base_model's price for a
// custom deployment name; unknown stays null with a warning.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { createRouter, generate } from './helpers.js';

let upstream: RecordingServer;
beforeEach(async () => {
  upstream = await startRecordingServer();
  upstream.respond({ status: 200, body: { created: 1700000000, data: [{ b64_json: 'aGVsbG8=' }, { b64_json: 'aGVsbG8=' }] } });
});
afterEach(async () => {
  await upstream.close();
});

const server = () => ({ api_base: `${upstream.url}/v1`, api_key: 'sk-test' });

describe('routed cost', () => {
  it('charges model_info.output_cost_per_image per returned image on a model the catalog cannot price', async () => {
    const router = createRouter({
      model_list: [{ model_name: 'sd', litellm_params: { model: 'openai/my-sd-model', ...server() }, model_info: { id: 'sd-1', output_cost_per_image: 0.25 } }],
    });
    const response = await generate(router, { model: 'sd' });
    expect(response._hidden_params.response_cost).toBe(0.5);
    expect(response._hidden_params.warnings.map((w) => w.code)).not.toContain('unknown-price');
  });

  it('prices a custom Azure deployment name by litellm_params.base_model', async () => {
    const router = createRouter({
      model_list: [{ model_name: 'pictures', litellm_params: { model: 'azure/team-dalle', base_model: 'dall-e-3', api_version: '2024-10-21', ...server() } }],
    });
    upstream.respond({ status: 200, body: { created: 1700000000, data: [{ url: 'https://example.test/a.png' }] } });
    const response = await generate(router, { model: 'pictures', quality: 'hd', size: '1792x1024' });
    expect(response._hidden_params.response_cost).toBe(0.12);
  });

  it('turns model_info token prices into a per-token price from usage', async () => {
    upstream.respond({
      status: 200,
      body: { created: 1700000000, data: [{ b64_json: 'aGVsbG8=' }], usage: { input_tokens: 100, output_tokens: 1000, total_tokens: 1100 } },
    });
    const router = createRouter({
      model_list: [{ model_name: 'img', litellm_params: { model: 'openai/house-model', ...server() }, model_info: { input_cost_per_token: 0.000002, output_cost_per_token: 0.00003 } }],
    });
    const response = await generate(router, { model: 'img' });
    expect(response._hidden_params.response_cost).toBeCloseTo(100 * 0.000002 + 1000 * 0.00003, 12);
  });

  it('leaves an unpriceable call at null with an unknown-price warning, never 0', async () => {
    const router = createRouter({ model_list: [{ model_name: 'sd', litellm_params: { model: 'openai/my-sd-model', ...server() } }] });
    const response = await generate(router, { model: 'sd' });
    expect(response._hidden_params.response_cost).toBeNull();
    expect(response._hidden_params.warnings.map((w) => w.code)).toContain('unknown-price');
  });
});
