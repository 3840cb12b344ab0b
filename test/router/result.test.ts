// What a routed call returns: the upstream's ImagesResponse, with where it went on hidden metadata.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { createRouter, deployment, generate, openaiAt } from './helpers.js';

let upstream: RecordingServer;
beforeEach(async () => {
  upstream = await startRecordingServer();
});
afterEach(async () => {
  await upstream.close();
});

describe('routed result', () => {
  it('is exactly the OpenAI body; routing sits on non-enumerable _hidden_params', async () => {
    const router = createRouter({ model_list: [deployment('images', 'east', openaiAt(upstream, { quality: 'high' }))] });
    const response = await generate(router, { model: 'images', size: '1024x1024' });
    expect(JSON.parse(JSON.stringify(response))).toStrictEqual({ created: 1700000000, data: [{ b64_json: 'aGVsbG8=' }] });
    expect(Object.getOwnPropertyDescriptor(response, '_hidden_params')?.enumerable).toBe(false);
    expect(response._hidden_params).toStrictEqual({
      provider: 'openai',
      model: 'gpt-image-1',
      api_base: `${upstream.url}/v1`,
      // The canned answer has no usage, so the token-priced model's cost is unknown: null and a warning, never 0.
      warnings: [{ code: 'unknown-price', message: 'The price of this OpenAI gpt-image-1 call is unknown (the provider reported no token usage): response_cost is null.' }],
      response_cost: null,
      attempts: 1,
      routing: { model_group: 'images', model_id: 'east', provider: 'openai', attempted_retries: 0, attempted_fallbacks: 0 },
    });
    // The deployment's model and params reach the upstream; the group name does not.
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.body).toStrictEqual({ model: 'gpt-image-1', prompt: 'a red fox', quality: 'high', size: '1024x1024' });
  });

  it('gives a deployment without model_info.id a stable generated id that no credential feeds', async () => {
    const idWith = (api_key: string) => createRouter({ model_list: [{ model_name: 'images', litellm_params: openaiAt(upstream, { api_key }) }] }).deployments('images')[0]!.id;
    const id = idWith('sk-one');
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(idWith('sk-one')).toBe(id);
    expect(idWith('sk-two')).toBe(id);
    const router = createRouter({ model_list: [{ model_name: 'images', litellm_params: openaiAt(upstream) }] });
    expect(router.deployments('images').map((d) => d.id)).toStrictEqual([id]);
    expect((await generate(router, { model: 'images', size: '1024x1024' }))._hidden_params.routing?.model_id).toBe(id);
  });
});
