// While the proxy drains for shutdown: new work gets a 503 in the OpenAI error shape, readiness says so, and every
// answer closes its connection so keep-alive clients cannot hold the shutdown open.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildProxy } from '../../src/proxy/server.js';
import { Router } from '../../src/router/router.js';

const health = { draining: false };
const app = buildProxy({
  router: new Router({ model_list: [{ model_name: 'otter', litellm_params: { model: 'mock/image-1' } }] }),
  logger: pino({ level: 'silent' }),
  masterKey: 'sk-proxy',
  allowClientSideCredentials: false,
  maxRequestSizeMb: 1,
  health,
  startedAtSeconds: 1700000000,
});
const generation = { method: 'POST' as const, url: '/v1/images/generations', headers: { authorization: 'Bearer sk-proxy' }, payload: { model: 'otter', prompt: 'otter', size: '16x16' } };

afterEach(() => {
  health.draining = false;
});

describe('draining', () => {
  it('serves normally with keep-alive before shutdown starts', async () => {
    const answer = await app.inject(generation);
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['connection']).not.toBe('close');
    expect((await app.inject({ url: '/health/readiness' })).statusCode).toBe(200);
  });

  it('refuses new generations with a 503 envelope, Retry-After and Connection: close', async () => {
    health.draining = true;
    const answer = await app.inject(generation);
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toEqual({ error: { message: expect.stringContaining('shutting down'), type: 'api_error', param: null, code: 'shutting_down' } });
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.headers['connection']).toBe('close');
    expect(answer.headers['x-imagegate-call-id']).toEqual(expect.any(String));
  });

  it('reports readiness 503 and liveliness 200 while draining', async () => {
    health.draining = true;
    const readiness = await app.inject({ url: '/health/readiness' });
    expect(readiness.statusCode).toBe(503);
    expect(readiness.json()).toMatchObject({ status: 'shutting_down' });
    expect((await app.inject({ url: '/health/liveliness' })).statusCode).toBe(200);
  });
});
