import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  APIConnectionError,
  APIUserAbortError,
  AuthenticationError,
  BadGatewayError,
  BadRequestError,
  ContentPolicyViolationError,
  ImagegateError,
  InternalServerError,
  RateLimitError,
  ServiceUnavailableError,
  TimeoutError,
} from '../../../src/errors/classes.js';
import { imageGeneration, type ImageGenerationParams } from '../../../src/image-generation.js';
import { freePort } from '../../helpers/free-port.js';
import { defaultImageResponse, startRecordingServer, type RecordingServer } from '../../helpers/recording-server.js';

const KEY = 'ig-test-Zq81kWm3pQx7'; // not sk-shaped: only the given-secret redaction can hide it
let server: RecordingServer;

beforeEach(async () => {
  server = await startRecordingServer();
});
afterEach(async () => {
  await server.close();
});

function call(params: Partial<ImageGenerationParams> & Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  return imageGeneration({ prompt: 'a red fox', api_key: KEY, api_base: `${server.url}/v1`, ...params } as ImageGenerationParams & { stream?: false }, { env });
}

async function failure(promise: Promise<unknown>): Promise<ImagegateError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ImagegateError);
    return error as ImagegateError;
  }
  throw new Error('expected the call to fail');
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('imageGeneration: success', () => {
  it('serialises to exactly the OpenAI body and hides its metadata', async () => {
    const body = {
      created: 1700000123,
      background: 'opaque',
      output_format: 'png',
      quality: 'high',
      size: '1024x1024',
      data: [{ b64_json: 'aGVsbG8=', revised_prompt: 'a red fox, detailed' }],
      usage: { input_tokens: 10, input_tokens_details: { image_tokens: 0, text_tokens: 10 }, output_tokens: 100, total_tokens: 110 },
    };
    server.respond({ status: 200, body });
    const port = new URL(server.url).port;
    const result = await imageGeneration(
      { prompt: 'a red fox', quality: 'high', api_base: `http://imagegate:${KEY}@127.0.0.1:${port}/v1` },
      { env: { OPENAI_API_KEY: KEY } },
    );

    expect(JSON.parse(JSON.stringify(result))).toStrictEqual(body);
    expect(Object.keys(result)).not.toContain('_hidden_params');
    expect(Object.getOwnPropertyDescriptor(result, '_hidden_params')?.enumerable).toBe(false);
    expect(result._hidden_params).toStrictEqual({
      provider: 'openai',
      model: 'gpt-image-1',
      api_base: `${server.url}/v1`,
      warnings: [],
      // 10 text input tokens at $5/1M + 100 image output tokens at $40/1M.
      response_cost: 0.00405,
      attempts: 1,
    });
    expect(JSON.stringify(result._hidden_params)).not.toContain(KEY);

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.path).toBe('/v1/images/generations');
    expect(request!.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(request!.body).toStrictEqual({ model: 'gpt-image-1', prompt: 'a red fox', quality: 'high' });
  });

  it('reports dropped params in _hidden_params.warnings and leaves them out of the body', async () => {
    const result = await call({ model: 'dall-e-3', style: 'vivid', background: 'opaque', drop_params: true });
    expect(result._hidden_params.warnings).toEqual([expect.objectContaining({ code: 'param-dropped', param: 'background' })]);
    expect(server.requests[0]!.body).toStrictEqual({ model: 'dall-e-3', prompt: 'a red fox', style: 'vivid' });
  });

  it('sends extra_headers to the provider', async () => {
    await call({ extra_headers: { 'X-Trace-Id': 'trace-123' } });
    expect(server.requests[0]!.headers['x-trace-id']).toBe('trace-123');
  });

  it('reuses one keep-alive connection for sequential calls', async () => {
    const sockets = new Set<Socket>();
    const upstream: Server = createHttpServer((req, res) => {
      sockets.add(req.socket);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(defaultImageResponse.body));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = upstream.address() as AddressInfo;
      const params = { prompt: 'a fox', api_key: KEY, api_base: `http://127.0.0.1:${port}/v1` };
      await imageGeneration(params, { env: {} });
      await tick();
      await imageGeneration(params, { env: {} });
      expect(sockets.size).toBe(1);
    } finally {
      upstream.closeAllConnections();
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  });
});

describe('imageGeneration: retries', () => {
  const error = (status: number, headers: Record<string, string> = {}) => ({ status, headers, body: { error: { message: `upstream ${status}` } } });

  it('retries a 429 after retry-after-ms and reports attempts 2', async () => {
    server.respond(() => (server.requests.length === 1 ? error(429, { 'retry-after-ms': '10' }) : defaultImageResponse));
    const result = await call({});
    expect(server.requests).toHaveLength(2);
    expect(result._hidden_params.attempts).toBe(2);
    expect(result.data).toEqual([{ b64_json: 'aGVsbG8=' }]);
  });

  it('gives up after num_retries + 1 requests on repeated 500s', async () => {
    server.respond(error(500, { 'retry-after-ms': '5' }));
    const thrown = await failure(call({ num_retries: 2 }));
    expect(thrown).toBeInstanceOf(InternalServerError);
    expect(thrown.status).toBe(500);
    expect(thrown.message).toContain('upstream 500');
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a 400', async () => {
    server.respond(error(400, { 'retry-after-ms': '5' }));
    expect(await failure(call({ num_retries: 2 }))).toBeInstanceOf(BadRequestError);
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry with num_retries 0', async () => {
    server.respond(error(503, { 'retry-after-ms': '5' }));
    expect(await failure(call({ num_retries: 0 }))).toBeInstanceOf(ServiceUnavailableError);
    expect(server.requests).toHaveLength(1);
  });

  it('maps a refused connection to APIConnectionError, and backs off before each retry', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}/v1`;
    let started = performance.now();
    expect(await failure(call({ api_base: base, num_retries: 0 }))).toBeInstanceOf(APIConnectionError);
    expect(performance.now() - started).toBeLessThan(300);
    started = performance.now();
    expect(await failure(call({ api_base: base, num_retries: 1 }))).toBeInstanceOf(APIConnectionError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(370); // one backoff of 500 ms minus at most 25 % jitter
  });

  it('retries a connection the upstream drops, num_retries times', async () => {
    let connections = 0;
    const dropper = createTcpServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = dropper.address() as AddressInfo;
      expect(await failure(call({ api_base: `http://127.0.0.1:${port}`, num_retries: 1 }))).toBeInstanceOf(APIConnectionError);
      expect(connections).toBe(2);
    } finally {
      await new Promise<void>((resolve) => dropper.close(() => resolve()));
    }
  });
});

describe('imageGeneration: timeouts and aborts', () => {
  it('times out a slow upstream after timeout seconds', async () => {
    server.respond({ ...defaultImageResponse, delayMs: 2000 });
    const started = performance.now();
    const thrown = await failure(call({ timeout: 0.2, num_retries: 0 }));
    expect(thrown).toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });

  it('settles promptly with APIUserAbortError when the signal aborts mid-request', async () => {
    server.respond({ ...defaultImageResponse, delayMs: 2000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const thrown = await failure(call({ signal: controller.signal }));
    expect(thrown).toBeInstanceOf(APIUserAbortError);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await failure(call({ signal: controller.signal }))).toBeInstanceOf(APIUserAbortError);
    await sleep(50);
    expect(server.requests).toHaveLength(0);
  });
});

describe('imageGeneration: bad upstream answers', () => {
  it('a 200 that is not JSON is a BadGatewayError', async () => {
    server.respond({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>maintenance</html>' });
    const thrown = await failure(call({ num_retries: 0 }));
    expect(thrown).toBeInstanceOf(BadGatewayError);
    expect(thrown.message).toContain('not JSON');
  });

  it('does not retry a malformed 200: the provider already generated (and billed) the images', async () => {
    server.respond({ status: 200, body: { created: 1700000000, data: [{ url: 'javascript:alert(1)' }] } });
    expect(await failure(call({ model: 'dall-e-3', num_retries: 1 }))).toBeInstanceOf(BadGatewayError);
    expect(server.requests).toHaveLength(1);
  });

  it('a 200 carrying an error envelope is a BadGatewayError quoting the upstream message', async () => {
    server.respond({ status: 200, body: { error: { message: 'Billing hard limit has been reached', type: 'invalid_request_error' } } });
    const thrown = await failure(call({ num_retries: 0 }));
    expect(thrown).toBeInstanceOf(BadGatewayError);
    expect(thrown.message).toContain('Billing hard limit has been reached');
  });

  it.each(['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html;base64,PHNjcmlwdD4='])('an image URL %s is a BadGatewayError', async (url) => {
    server.respond({ status: 200, body: { created: 1700000000, data: [{ url }] } });
    const thrown = await failure(call({ model: 'dall-e-3', num_retries: 0 }));
    expect(thrown).toBeInstanceOf(BadGatewayError);
    expect(thrown.message).not.toContain(url);
  });

  it('redacts the api key echoed in the upstream message and code', async () => {
    server.respond({
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${KEY}. Check your key.`, type: 'invalid_request_error', code: KEY } },
    });
    const thrown = await failure(call({}));
    expect(thrown).toBeInstanceOf(AuthenticationError);
    expect(thrown.message).toContain('Incorrect API key provided');
    expect(thrown.message).not.toContain(KEY);
    expect(thrown.code).not.toContain(KEY);
    expect(JSON.stringify(thrown)).not.toContain(KEY);
    expect(server.requests).toHaveLength(1);
  });

  it('redacts the api key echoed in the upstream param and type too', async () => {
    server.respond({ status: 400, body: { error: { message: 'bad credential', param: KEY, type: `invalid key ${KEY}` } } });
    const thrown = await failure(call({}));
    expect(JSON.stringify(thrown)).not.toContain(KEY);
  });

  it('redacts the api key echoed in a 200 error envelope', async () => {
    server.respond({ status: 200, body: { error: { message: `key ${KEY} has no image quota` } } });
    const thrown = await failure(call({ num_retries: 0 }));
    expect(thrown.message).toContain('has no image quota');
    expect(JSON.stringify(thrown)).not.toContain(KEY);
  });

  it.each([
    ['content_policy_violation', 'ResponsibleAIPolicyViolation'],
    ['BadRequest', 'ResponsibleAIPolicyViolation'],
    ['contentFilter', undefined],
  ])('an Azure content-filter error (code %s, inner %s) is a ContentPolicyViolationError', async (code, inner) => {
    const innerError = inner === undefined ? {} : { inner_error: { code: inner, content_filter_results: { violence: { filtered: true, severity: 'medium' } } } };
    server.respond({ status: 400, body: { error: { code, message: 'Your request was rejected by our safety system.', ...innerError } } });
    const thrown = await failure(call({ model: 'azure/dall-e-3', api_base: server.url, num_retries: 0 }));
    expect(thrown).toBeInstanceOf(ContentPolicyViolationError);
    expect(thrown.status).toBe(400);
    expect(thrown.code).toBe(code);
    expect(thrown.provider).toBe('azure');
    expect(thrown.message).toContain('safety system');
    const [request] = server.requests;
    expect(request!.path).toBe('/openai/deployments/dall-e-3/images/generations');
    expect(request!.query).toEqual({ 'api-version': '2025-04-01-preview' });
    expect(request!.headers['api-key']).toBe(KEY);
    expect(request!.headers['authorization']).toBeUndefined();
  });
});

describe('imageGeneration: bad input', () => {
  it.each(['host', 'Content-Length', 'transfer-encoding', 'Connection'])('refuses %s in extra_headers before sending', async (name) => {
    const thrown = await failure(call({ extra_headers: { [name]: 'x' } }));
    expect(thrown).toBeInstanceOf(BadRequestError);
    expect(thrown.param).toBe('extra_headers');
    expect(thrown.message).toContain(name);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a signal that is not an AbortSignal', async () => {
    const thrown = await failure(call({ signal: { aborted: false } as unknown as AbortSignal }));
    expect(thrown).toBeInstanceOf(BadRequestError);
    expect(thrown.param).toBe('signal');
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'a red fox'],
    ['a number', 42],
    ['an array', [{ prompt: 'a red fox' }]],
  ])('refuses %s instead of a params object', async (_label, input) => {
    const thrown = await failure(imageGeneration(input as unknown as ImageGenerationParams, { env: {} }));
    expect(thrown).toBeInstanceOf(BadRequestError);
    expect(thrown.message).toContain('object');
  });

  it('validates before anything is sent', async () => {
    const thrown = await failure(call({ n: 0 }));
    expect(thrown).toBeInstanceOf(BadRequestError);
    expect(thrown.param).toBe('n');
    expect(server.requests).toHaveLength(0);
  });

  it('a missing key is an AuthenticationError, nothing sent', async () => {
    const thrown = await failure(imageGeneration({ prompt: 'a fox', api_base: server.url }, { env: {} }));
    expect(thrown).toBeInstanceOf(AuthenticationError);
    expect(thrown.message).toContain('OPENAI_API_KEY');
    expect(server.requests).toHaveLength(0);
  });

  it('a 429 with no retries left is a RateLimitError', async () => {
    server.respond({ status: 429, headers: { 'retry-after-ms': '5' }, body: { error: { message: 'slow' } } });
    expect(await failure(call({ num_retries: 0 }))).toBeInstanceOf(RateLimitError);
  });
});
