// Router defaults and what a client may override: num_retries, timeout; drop_params from litellm_settings.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TimeoutError, UnsupportedParamsError } from '../../src/errors/classes.js';
import { defaultImageResponse, startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { createRouter, deployment, failure, generate, openaiAt, routingOf } from './helpers.js';

const unavailable = { status: 503, body: { error: { message: 'The engine is overloaded.', type: 'server_error', param: null, code: null } } };

let upstream: RecordingServer;
beforeEach(async () => {
  upstream = await startRecordingServer();
});
afterEach(async () => {
  await upstream.close();
});

describe('num_retries', () => {
  it('defaults to 2 retries', async () => {
    upstream.respond(unavailable);
    const router = createRouter({ model_list: [deployment('g', 'a', openaiAt(upstream))] });
    await failure(generate(router, { model: 'g' }));
    expect(upstream.requests).toHaveLength(3);
  });

  it('takes litellm_settings.num_retries when router_settings has none', async () => {
    upstream.respond(unavailable);
    const router = createRouter({ model_list: [deployment('g', 'a', openaiAt(upstream))], litellm_settings: { num_retries: 1 } });
    await failure(generate(router, { model: 'g' }));
    expect(upstream.requests).toHaveLength(2);
  });

  it('prefers router_settings.num_retries over litellm_settings', async () => {
    upstream.respond(unavailable);
    const router = createRouter({ model_list: [deployment('g', 'a', openaiAt(upstream))], router_settings: { num_retries: 0 }, litellm_settings: { num_retries: 3 } });
    await failure(generate(router, { model: 'g' }));
    expect(upstream.requests).toHaveLength(1);
  });

  it("lets the client's num_retries override the router's, in both directions, without sending it upstream", async () => {
    upstream.respond(unavailable);
    const router = createRouter({ model_list: [deployment('g', 'a', openaiAt(upstream))], router_settings: { num_retries: 0 } });
    const more = await failure(generate(router, { model: 'g', num_retries: 3 }));
    expect(more.routing?.attempted_retries).toBe(3);
    expect(upstream.requests).toHaveLength(4);
    for (const request of upstream.requests) expect(request.body).not.toHaveProperty('num_retries');

    const fewer = createRouter({ model_list: [deployment('g', 'a', openaiAt(upstream))], router_settings: { num_retries: 3 } });
    await failure(generate(fewer, { model: 'g', num_retries: 0 }));
    expect(upstream.requests).toHaveLength(5);
  });
});

describe('timeout', () => {
  it("lets the client's timeout override the router's", async () => {
    upstream.respond({ ...defaultImageResponse, delayMs: 300 });
    const router = createRouter({ model_list: [deployment('g', 'a', openaiAt(upstream))], router_settings: { timeout: 0.1, num_retries: 0 } });
    const error = await failure(generate(router, { model: 'g' }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toContain('timed out after 0.1 s');

    const response = await generate(router, { model: 'g', timeout: 5 });
    expect(routingOf(response).model_id).toBe('a');
    expect(upstream.requests.at(-1)?.body).not.toHaveProperty('timeout');
  });

  it('takes litellm_settings.request_timeout when router_settings has none', async () => {
    upstream.respond({ ...defaultImageResponse, delayMs: 300 });
    const router = createRouter({ model_list: [deployment('g', 'a', openaiAt(upstream))], router_settings: { num_retries: 0 }, litellm_settings: { request_timeout: 0.1 } });
    const error = await failure(generate(router, { model: 'g' }));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toContain('timed out after 0.1 s');
  });
});

describe('drop_params', () => {
  const square = deployment('sq', 's1', { model: 'mock/square-1', size: '256x256' });

  it('rejects a param the model does not take when drop_params is not set', async () => {
    const router = createRouter({ model_list: [square] });
    const error = await failure(generate(router, { model: 'sq', quality: 'high' }));
    expect(error).toBeInstanceOf(UnsupportedParamsError);
    expect(error.param).toBe('quality');
  });

  it('drops it with a param-dropped warning when litellm_settings.drop_params is true', async () => {
    const router = createRouter({ model_list: [square], litellm_settings: { drop_params: true } });
    const response = await generate(router, { model: 'sq', quality: 'high' });
    expect(response.data).toHaveLength(1);
    expect(response._hidden_params.warnings).toStrictEqual([expect.objectContaining({ code: 'param-dropped', param: 'quality' })]);
  });

  it("lets a deployment's own drop_params: false win over litellm_settings", async () => {
    const router = createRouter({ model_list: [deployment('sq', 's1', { model: 'mock/square-1', size: '256x256', drop_params: false })], litellm_settings: { drop_params: true } });
    await expect(generate(router, { model: 'sq', quality: 'high' })).rejects.toBeInstanceOf(UnsupportedParamsError);
  });
});
