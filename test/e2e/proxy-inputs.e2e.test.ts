// What the proxy (the built CLI in its own process) does with what clients send: the key check, every class of
// bad input (status, OpenAI error envelope, the param named), client-side credentials, prototype-pollution keys,
// and the loud warning when it runs without a master key.
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isolatedEnv, startProxyProcess, type ProxyProcess } from '../helpers/proxy-process.js';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server.js';
import { captureStdout, expectEnvelope, expectNoSecrets, post, send, type RawReply } from './helpers/proxy-http.js';

const MASTER_KEY = 'sk-imagegate-inputs-master-93be1c';
const UPSTREAM_KEY = 'sk-upstream-inputs-key-5a7d0f2c61';
const OPEN_UPSTREAM_KEY = 'sk-open-proxy-upstream-key-1e8b44';
const CLIENT_KEY = 'sk-client-supplied-key-77c3a9e012';
const AUTH = { authorization: `Bearer ${MASTER_KEY}` };

let proxy: ProxyProcess;
let permissive: ProxyProcess;
let open: ProxyProcess;
let upstream: RecordingServer;
let clientUpstream: RecordingServer;
let stdouts: Record<string, () => string>;
/** Every reply body, for the leak check at the end. */
const replies: string[] = [];

function track(reply: RawReply): RawReply {
  replies.push(reply.text, JSON.stringify([...reply.headers]));
  return reply;
}

const generations = (path = '/v1/images/generations') => `${proxy.url}${path}`;
const postGeneration = async (body: unknown, headers: Record<string, string> = AUTH, path?: string) => track(await post(generations(path), body, headers));

beforeAll(async () => {
  [upstream, clientUpstream] = await Promise.all([startRecordingServer(), startRecordingServer()]);
  const modelList = [
    { model_name: 'paper', litellm_params: { model: 'mock/image-1' } },
    { model_name: 'square', litellm_params: { model: 'mock/square-1' } },
    { model_name: 'upstream', litellm_params: { model: 'openai/gpt-image-1', api_key: UPSTREAM_KEY, api_base: upstream.url } },
  ];
  [proxy, permissive, open] = await Promise.all([
    startProxyProcess({
      config: stringify({ model_list: modelList, router_settings: { num_retries: 0 }, general_settings: { master_key: MASTER_KEY, max_request_size_mb: 0.01 } }),
    }),
    startProxyProcess({
      config: stringify({
        model_list: [{ model_name: 'custom', litellm_params: { model: 'openai/my-sd-model', api_key: UPSTREAM_KEY, api_base: upstream.url } }],
        router_settings: { num_retries: 0 },
        general_settings: { master_key: MASTER_KEY, allow_client_side_credentials: true },
      }),
    }),
    startProxyProcess({
      config: stringify({ model_list: [{ model_name: 'open-upstream', litellm_params: { model: 'openai/gpt-image-1', api_key: OPEN_UPSTREAM_KEY, api_base: upstream.url } }] }),
      env: isolatedEnv(),
    }),
  ]);
  stdouts = { proxy: captureStdout(proxy), permissive: captureStdout(permissive), open: captureStdout(open) };
});

afterAll(async () => {
  await Promise.all([proxy, permissive, open].map((running) => running?.stop()));
  await Promise.all([upstream, clientUpstream].map((server) => server?.close()));
});

beforeEach(() => {
  upstream.requests.length = 0;
  clientUpstream.requests.length = 0;
});

describe('the key check', () => {
  it('no key: 401 envelope, and nothing reaches the upstream', async () => {
    const reply = await postGeneration({ model: 'upstream', prompt: 'a fox' }, {});
    expectEnvelope(reply, 401, { type: 'authentication_error', code: 'invalid_api_key', param: null });
    expect(reply.headers.get('x-imagegate-call-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([
    ['a wrong Bearer key', { authorization: 'Bearer sk-not-the-master-key' }],
    ['a wrong api-key', { 'api-key': 'sk-not-the-master-key' }],
    ['a wrong x-api-key', { 'x-api-key': 'sk-not-the-master-key' }],
    ['the key with another scheme', { authorization: `Basic ${MASTER_KEY}` }],
    ['a prefix of the key', { authorization: `Bearer ${MASTER_KEY.slice(0, -1)}` }],
    ['an empty Bearer', { authorization: 'Bearer ' }],
  ])('%s: 401 envelope', async (_label, headers) => {
    const reply = await postGeneration({ model: 'upstream', prompt: 'a fox' }, headers);
    const error = expectEnvelope(reply, 401, { type: 'authentication_error', code: 'invalid_api_key' });
    expect(error.message).toContain('Authorization: Bearer');
    expect(error.message).not.toContain('sk-not-the-master-key');
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([
    ['Authorization: Bearer', { authorization: `Bearer ${MASTER_KEY}` }],
    ['Authorization: bearer (any case)', { authorization: `bearer ${MASTER_KEY}` }],
    ['api-key', { 'api-key': MASTER_KEY }],
    ['x-api-key', { 'x-api-key': MASTER_KEY }],
  ])('the key in %s is accepted', async (_label, headers) => {
    const reply = await postGeneration({ model: 'paper', prompt: 'a paper boat', size: '16x16' }, headers);
    expect(reply.status, reply.text).toBe(200);
    expect((reply.json as { data: unknown[] }).data).toHaveLength(1);
  });

  it('the official client with the master key gets through; with another key it gets AuthenticationError', async () => {
    const good = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    const result = await good.images.generate({ model: 'paper', prompt: 'a paper boat', size: '256x256' });
    expect(result.data).toHaveLength(1);
    const bad = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${proxy.url}/v1`, maxRetries: 0 });
    await expect(bad.images.generate({ model: 'paper', prompt: 'a paper boat' })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('health routes answer without a key', async () => {
    const live = await send(`${proxy.url}/health/liveliness`);
    expect(live.status).toBe(200);
    expect(live.text).toContain('alive');
    const ready = await send(`${proxy.url}/health/readiness`);
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({ status: 'healthy', model_groups: 3 });
  });

  it('/v1/models and /models need the key and list the groups in OpenAI list format', async () => {
    for (const path of ['/v1/models', '/models']) {
      expectEnvelope(track(await send(`${proxy.url}${path}`)), 401, { code: 'invalid_api_key' });
      const reply = track(await send(`${proxy.url}${path}`, { headers: AUTH }));
      expect(reply.status).toBe(200);
      const list = reply.json as { object: string; data: { id: string; object: string; created: number; owned_by: string }[] };
      expect(list.object).toBe('list');
      expect(list.data.map((model) => model.id)).toEqual(['paper', 'square', 'upstream']);
      for (const model of list.data) {
        expect(model.object).toBe('model');
        expect(Number.isInteger(model.created)).toBe(true);
        expect(typeof model.owned_by).toBe('string');
      }
    }
    const ids = [];
    for await (const model of new OpenAI({ apiKey: MASTER_KEY, baseURL: `${proxy.url}/v1`, maxRetries: 0 }).models.list()) ids.push(model.id);
    expect(ids).toEqual(['paper', 'square', 'upstream']);
  });

  it('an unknown route is 401 without the key (nothing about routes is revealed) and 404 with it', async () => {
    expectEnvelope(track(await send(`${proxy.url}/v1/chat/completions`, { method: 'POST' })), 401);
    const error = expectEnvelope(track(await send(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: AUTH })), 404, {
      type: 'not_found_error',
      code: 'route_not_found',
    });
    expect(error.message).toContain('/v1/chat/completions');
    expectEnvelope(track(await send(`${proxy.url}/v1/images/generations`, { headers: AUTH })), 404, { code: 'route_not_found' });
  });
});

describe('bad input', () => {
  it('invalid JSON: 400 invalid_json', async () => {
    const error = expectEnvelope(await postGeneration('{"model": "paper", "prompt": '), 400, { type: 'invalid_request_error', code: 'invalid_json' });
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('invalid JSON: neither the reply nor the log quotes the body (it may hold a credential or a prompt)', async () => {
    // V8's JSON.parse messages quote up to ten characters of the text around the error.
    const broken = `{"model": "paper", "prompt": "a secret plan", "api_key": ${CLIENT_KEY}}`;
    const reply = await postGeneration(broken);
    const error = expectEnvelope(reply, 400, { code: 'invalid_json' });
    expect(error.message).toMatch(/not valid JSON/);
    const callId = reply.headers.get('x-imagegate-call-id');
    await expect.poll(() => proxy.logs().find((line) => line['call_id'] === callId)).toBeDefined();
    const logLine = JSON.stringify(proxy.logs().find((line) => line['call_id'] === callId));
    for (const text of [reply.text, logLine]) {
      expect(text).not.toContain(CLIENT_KEY.slice(0, 8));
      expect(text).not.toContain('secret plan');
    }
    const short = await postGeneration(CLIENT_KEY.slice(0, 12));
    expectEnvelope(short, 400, { code: 'invalid_json' });
    expect(short.text).not.toContain(CLIENT_KEY.slice(0, 8));
  });

  it('an empty body: 400 invalid_json', async () => {
    expectEnvelope(await postGeneration(''), 400, { code: 'invalid_json' });
  });

  it.each([['[1, 2]'], ['"a fox"'], ['null'], ['42'], ['true']])('non-object JSON %s: 400', async (text) => {
    const error = expectEnvelope(await postGeneration(text), 400, { type: 'invalid_request_error' });
    expect(error.message).toMatch(/JSON object/);
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['multipart/form-data; boundary=x'], ['application/xml']])(
    'Content-Type %s: 415 unsupported_media_type',
    async (contentType) => {
      const reply = await postGeneration(JSON.stringify({ model: 'paper', prompt: 'a fox' }), { ...AUTH, 'content-type': contentType });
      const error = expectEnvelope(reply, 415, { type: 'invalid_request_error', code: 'unsupported_media_type' });
      expect(error.message).toContain('application/json');
    },
  );

  it('a body over max_request_size_mb: 413 request_too_large (with Content-Length, and chunked)', async () => {
    const big = JSON.stringify({ model: 'paper', prompt: 'x'.repeat(20_000) });
    const first = await postGeneration(big);
    const error = expectEnvelope(first, 413, { type: 'invalid_request_error', code: 'request_too_large' });
    expect(error.message).toContain('max_request_size_mb');
    await expect.poll(() => proxy.logs().some((line) => line['call_id'] === first.headers.get('x-imagegate-call-id'))).toBe(true);
    // Chunked (no Content-Length): the proxy stops reading at the limit and answers 413 with Connection: close, so
    // the client may still be writing when the socket closes (EPIPE) and never see the answer. The log says what happened.
    const tooLarge = () => proxy.logs().filter((line) => line['status'] === 413 && (line['error'] as { code?: string } | undefined)?.code === 'request_too_large').length;
    const before = tooLarge();
    const chunked = await send(generations(), {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          const bytes = new TextEncoder().encode(big);
          for (let offset = 0; offset < bytes.length; offset += 4096) controller.enqueue(bytes.subarray(offset, offset + 4096));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit).catch((caught: unknown) => caught as Error);
    if (chunked instanceof Error) expect(['EPIPE', 'ECONNRESET', 'UND_ERR_SOCKET']).toContain((chunked.cause as { code?: string } | undefined)?.code);
    else expectEnvelope(track(chunked), 413, { code: 'request_too_large' });
    await expect.poll(tooLarge).toBe(before + 1);
    // Just under the limit is fine.
    const fits = await postGeneration({ model: 'paper', prompt: 'x'.repeat(9_000), size: '16x16' });
    expect(fits.status, fits.text).toBe(200);
  });

  it('a missing prompt: 400 naming prompt', async () => {
    const error = expectEnvelope(await postGeneration({ model: 'paper' }), 400, { type: 'invalid_request_error', param: 'prompt' });
    expect(error.message).toContain('prompt');
  });

  it('a missing model: 400 naming model', async () => {
    const error = expectEnvelope(await postGeneration({ prompt: 'a fox' }), 400, { param: 'model' });
    expect(error.message).toContain('model');
  });

  it.each([
    ['n as a string', { n: 'two' }, 'n'],
    ['n as a fraction', { n: 1.5 }, 'n'],
    ['size as a number', { size: 1024 }, 'size'],
    ['prompt as an array', { prompt: ['a', 'fox'] }, 'prompt'],
  ])('%s: 400 naming the param', async (_label, bad, param) => {
    const error = expectEnvelope(await postGeneration({ model: 'paper', prompt: 'a fox', ...bad }), 400, { type: 'invalid_request_error', param });
    expect(error.message).toContain(param);
  });

  it('JSON nested absurdly deep: 400 naming the param (not a 500 from serialising it), nothing sent upstream', async () => {
    // On the proxy with the default 10 MB limit; the body is about 0.5 MB.
    const depth = 100_000;
    const deepPost = async (text: string) => track(await post(`${permissive.url}/v1/images/generations`, text, AUTH));
    const deepObject = `{"model": "custom", "prompt": "a fox", "metadata": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    const error = expectEnvelope(await deepPost(deepObject), 400, { type: 'invalid_request_error', param: 'metadata' });
    expect(error.message).toContain('deep');
    expectEnvelope(await deepPost(`{"model": "custom", "prompt": "a fox", "extra": ${'['.repeat(depth)}${']'.repeat(depth)}}`), 400, { param: 'extra' });
    expect(upstream.requests).toHaveLength(0);
    // Ordinary nesting (a few levels of provider params) is fine.
    const ok = await deepPost(JSON.stringify({ model: 'custom', prompt: 'a fox', metadata: { a: { b: { c: [1, [2, [3]]] } } } }));
    expect(ok.status, ok.text).toBe(200);
    expect(upstream.requests.at(-1)!.body).toMatchObject({ metadata: { a: { b: { c: [1, [2, [3]]] } } } });
  });

  it('an unknown model group: 404 model_not_found naming the available groups', async () => {
    const error = expectEnvelope(await postGeneration({ model: 'dall-e-9', prompt: 'a fox' }), 404, { type: 'not_found_error', code: 'model_not_found', param: 'model' });
    expect(error.message).toContain('dall-e-9');
    expect(error.message).toContain('paper');
  });

  it('a param the model does not support (style on mock/square-1): 400 naming style', async () => {
    const reply = await postGeneration({ model: 'square', prompt: 'a fox', style: 'vivid' });
    const error = expectEnvelope(reply, 400, { type: 'invalid_request_error', param: 'style' });
    expect(error.message).toContain('style');
    expect(error.message).toContain('square-1');
    expect(reply.headers.get('x-imagegate-provider')).toBe('mock');
  });

  it('a param the model does not support (style on openai/gpt-image-1): 400 naming style, and nothing is sent upstream', async () => {
    const error = expectEnvelope(await postGeneration({ model: 'upstream', prompt: 'a fox', style: 'vivid' }), 400, { type: 'invalid_request_error', param: 'style' });
    expect(error.message).toContain('style');
    expect(upstream.requests).toHaveLength(0);
  });

  it('JSON with a charset parameter is accepted', async () => {
    const reply = await postGeneration(JSON.stringify({ model: 'paper', prompt: 'a fox', size: '16x16' }), { ...AUTH, 'content-type': 'application/json; charset=utf-8' });
    expect(reply.status, reply.text).toBe(200);
  });

  it('the official client surfaces a bad param as BadRequestError with its param', async () => {
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: proxy.url, maxRetries: 0 });
    const error = await client.images.generate({ model: 'paper', prompt: 'a fox', n: 'two' as unknown as number }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('n');
  });
});

describe('prototype-pollution keys', () => {
  it.each([
    ['__proto__ at the top', '{"model": "paper", "prompt": "a fox", "__proto__": {"polluted": true}}'],
    ['constructor.prototype at the top', '{"model": "paper", "prompt": "a fox", "constructor": {"prototype": {"polluted": true}}}'],
    ['__proto__ nested in a param', '{"model": "paper", "prompt": "a fox", "metadata": {"__proto__": {"polluted": true}}}'],
    ['__proto__ in an escaped spelling', '{"model": "paper", "prompt": "a fox", "\\u005f_proto__": {"polluted": true}}'],
  ])('%s: 400, and the proxy keeps serving', async (_label, text) => {
    expectEnvelope(await postGeneration(text), 400, { type: 'invalid_request_error' });
    const after = await postGeneration({ model: 'paper', prompt: 'a fox', size: '16x16' });
    expect(after.status).toBe(200);
    expect(after.text).not.toContain('polluted');
  });
});

describe('client-side credentials', () => {
  it.each([
    ['api_key', CLIENT_KEY],
    ['api_base', 'http://127.0.0.1:9/v1'],
    ['base_url', 'http://127.0.0.1:9/v1'],
    ['aws_access_key_id', 'AKIACLIENTSUPPLIED01'],
    ['aws_secret_access_key', 'client/secret/0123456789'],
    ['vertex_credentials', '{"type":"service_account"}'],
    ['vertex_project', 'client-project'],
    ['extra_headers', { 'x-forwarded-host': 'evil.example' }],
    ['custom_llm_provider', 'openai'],
    ['api_version', '2025-04-01-preview'],
    ['organization', 'org-client'],
  ])('%s is refused with 400 naming it, and the upstream receives nothing', async (key, value) => {
    const reply = await postGeneration({ model: 'upstream', prompt: 'a fox', [key]: value });
    const error = expectEnvelope(reply, 400, { type: 'invalid_request_error', code: 'client_side_credentials_not_allowed', param: key });
    expect(error.message).toContain(key);
    expect(error.message).toContain('allow_client_side_credentials');
    if (typeof value === 'string') expect(reply.text).not.toContain(value);
    expect(upstream.requests).toHaveLength(0);
  });

  it('several at once are all named; the Azure route refuses them too', async () => {
    const reply = await postGeneration({ model: 'upstream', prompt: 'a fox', api_key: CLIENT_KEY, api_base: 'http://127.0.0.1:9' });
    const error = expectEnvelope(reply, 400, { code: 'client_side_credentials_not_allowed' });
    expect(error.message).toContain('api_base, api_key');
    const azure = await postGeneration({ prompt: 'a fox', api_key: CLIENT_KEY }, { 'api-key': MASTER_KEY }, '/openai/deployments/upstream/images/generations?api-version=2025-04-01-preview');
    expectEnvelope(azure, 400, { code: 'client_side_credentials_not_allowed', param: 'api_key' });
    expect(upstream.requests).toHaveLength(0);
  });

  it('(the same group without them does reach the upstream, with the deployment key)', async () => {
    const reply = await postGeneration({ model: 'upstream', prompt: 'a fox' });
    expect(reply.status, reply.text).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.headers['authorization']).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it('with allow_client_side_credentials: true, the client api_base and api_key are used', async () => {
    const reply = track(
      await post(`${permissive.url}/v1/images/generations`, { model: 'custom', prompt: 'a fox', api_base: clientUpstream.url, api_key: CLIENT_KEY }, AUTH),
    );
    expect(reply.status, reply.text).toBe(200);
    expect(upstream.requests).toHaveLength(0);
    expect(clientUpstream.requests).toHaveLength(1);
    const request = clientUpstream.requests[0]!;
    expect(request.headers['authorization']).toBe(`Bearer ${CLIENT_KEY}`);
    expect(request.body).toEqual({ model: 'my-sd-model', prompt: 'a fox' });
    // Without them, the deployment's own destination and key.
    const own = track(await post(`${permissive.url}/v1/images/generations`, { model: 'custom', prompt: 'a fox' }, AUTH));
    expect(own.status, own.text).toBe(200);
    expect(upstream.requests.at(-1)!.headers['authorization']).toBe(`Bearer ${UPSTREAM_KEY}`);
  });
});

describe('without a master key', () => {
  it('logs the loud warning at start-up, and the proxy is open', async () => {
    const warning = open.logs().find((line) => typeof line['msg'] === 'string' && (line['msg'] as string).includes('NO MASTER KEY'));
    expect(warning).toBeDefined();
    expect(warning!['level']).toBe(40);
    expect(warning!['msg']).toContain(open.url);
    expect(warning!['msg']).toContain('master_key');
    expect(warning!['msg']).toContain('IMAGEGATE_MASTER_KEY');
    const reply = track(await post(`${open.url}/v1/images/generations`, { model: 'open-upstream', prompt: 'a fox' }));
    expect(reply.status, reply.text).toBe(200);
    expect(upstream.requests.at(-1)!.headers['authorization']).toBe(`Bearer ${OPEN_UPSTREAM_KEY}`);
  });

  it('a proxy with a master key does not log that warning', () => {
    expect(proxy.logs().some((line) => String(line['msg']).includes('NO MASTER KEY'))).toBe(false);
  });
});

describe('secrets', () => {
  it('no configured key nor client-sent credential appears in any log line or reply', () => {
    expect(replies.length).toBeGreaterThan(20);
    const logs: Record<string, string> = {};
    for (const [name, running] of Object.entries({ proxy, permissive, open })) {
      logs[`${name} stdout`] = stdouts[name]!();
      logs[`${name} stderr`] = running.stderr();
    }
    expectNoSecrets({ ...logs, replies: replies.join('\n') }, { MASTER_KEY, UPSTREAM_KEY, OPEN_UPSTREAM_KEY, CLIENT_KEY, 'client AWS secret': 'client/secret/0123456789' });
  });
});
