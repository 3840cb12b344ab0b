// Running the proxy as an operator does: signals and graceful shutdown, the per-request log line (and what
// must never be in it), --help/--version, and the built-in default config. The built CLI runs in its own
// process; requests come from the official openai client with maxRetries: 0.
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, type ProxyProcess } from '../helpers/proxy-process.js';
import { proxy, upstream } from './helpers/lifecycle.js';
import { defaultImageResponse, type RecordingServer } from '../helpers/recording-server.js';

function client(proxyUrl: string, apiKey = 'client-key'): OpenAI {
  return new OpenAI({ baseURL: `${proxyUrl}/v1`, apiKey, maxRetries: 0 });
}

function generate(api: OpenAI, model: string, size?: string) {
  return api.images.generate({ model, prompt: 'a lighthouse at dusk', ...(size === undefined ? {} : { size: size as '256x256' }) }).withResponse();
}

async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

const requestLines = (proxyProcess: ProxyProcess) => proxyProcess.logs().filter((line) => line['msg'] === 'request');

/** Readiness as a new client sees it while the proxy drains: 503, or no longer accepting connections. */
async function readiness(url: string): Promise<number | 'refused'> {
  try {
    const response = await fetch(`${url}/health/readiness`, { headers: { connection: 'close' } });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 'refused';
  }
}

/** One group whose upstream holds every request for latencyMs: the test sees when a request is in flight. */
async function slowUpstream(latencyMs: number): Promise<{ server: RecordingServer; config: string }> {
  const server = await upstream();
  server.respond({ ...defaultImageResponse, delayMs: latencyMs });
  const config = `
model_list:
  - model_name: slow
    litellm_params: { model: openai/gpt-image-1, api_base: "${server.url}/v1", api_key: sk-test }
    model_info: { id: slow-1 }
`;
  return { server, config };
}

describe('graceful shutdown (e2e)', () => {
  it('lets requests in flight finish on SIGTERM, stops taking new ones and exits 0', async () => {
    const { server, config } = await slowUpstream(800);
    // A grace period shorter than the default 30 s: a drain that hangs shows as exit 1, not as a test timeout.
    const proxyProcess = await proxy({ config, args: ['--grace-period', '5'] });
    const api = client(proxyProcess.url);
    expect(await readiness(proxyProcess.url)).toBe(200);

    const started = performance.now();
    const inFlight = Promise.allSettled(Array.from({ length: 4 }, () => generate(api, 'slow')));
    await expect.poll(() => server.requests.length, { interval: 10 }).toBe(4);
    proxyProcess.child.kill('SIGTERM');
    await expect.poll(() => proxyProcess.logs().some((line) => line['msg'] === 'shutting down: finishing requests in flight')).toBe(true);
    expect([503, 'refused']).toContain(await readiness(proxyProcess.url));

    for (const answer of await inFlight) {
      expect(answer.status === 'rejected' ? answer.reason : undefined).toBeUndefined();
      if (answer.status === 'rejected') continue;
      expect(answer.value.response.status).toBe(200);
      expect(answer.value.data.data?.[0]?.b64_json).toBe('aGVsbG8=');
    }
    expect(await proxyProcess.exited).toBe(0);
    // Exits once the last answer is out, not at the end of the grace period.
    expect(performance.now() - started).toBeLessThan(4500);
    expect(proxyProcess.logs().some((line) => line['msg'] === 'stopped')).toBe(true);
    expect(requestLines(proxyProcess).filter((line) => line['status'] === 200)).toHaveLength(4);
    expect(server.requests).toHaveLength(4);
  });

  it('handles SIGINT the same way', async () => {
    const { server, config } = await slowUpstream(800);
    // A grace period shorter than the default 30 s: a drain that hangs shows as exit 1, not as a test timeout.
    const proxyProcess = await proxy({ config, args: ['--grace-period', '5'] });
    const inFlight = generate(client(proxyProcess.url), 'slow');
    await expect.poll(() => server.requests.length, { interval: 10 }).toBe(1);
    proxyProcess.child.kill('SIGINT');
    expect((await inFlight).response.status).toBe(200);
    expect(await proxyProcess.exited).toBe(0);
    expect(proxyProcess.logs().find((line) => line['msg'] === 'shutting down: finishing requests in flight')?.['signal']).toBe('SIGINT');
  });

  it('exits non-zero when requests in flight outlast --grace-period', async () => {
    const { server, config } = await slowUpstream(5000);
    const proxyProcess = await proxy({ config, args: ['--grace-period', '1'] });
    const inFlight = failure(generate(client(proxyProcess.url), 'slow'));
    await expect.poll(() => server.requests.length, { interval: 10 }).toBe(1);
    const signalled = performance.now();
    proxyProcess.child.kill('SIGTERM');
    expect(await proxyProcess.exited).toBe(1);
    const waited = performance.now() - signalled;
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(4000); // the upstream would have answered after 5 s
    expect(await inFlight).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(proxyProcess.logs().some((line) => line['level'] === 50 && /killed by timeout/.test(String(line['msg'])))).toBe(true);
  });
});

describe('request log (e2e)', () => {
  const MASTER_KEY = 'sk-master-do-not-log-4b1d';
  const UPSTREAM_KEY = 'sk-upstream-do-not-log-9c2e';
  const WRONG_KEY = 'sk-client-guess-do-not-log-77aa';

  it('writes one line per request with its routing, and no image data or credential anywhere', async () => {
    const server = await upstream();
    const proxyProcess = await proxy({
      config: `
general_settings: { master_key: ${MASTER_KEY} }
router_settings: { num_retries: 0 }
model_list:
  - model_name: drawn
    litellm_params: { model: mock/image-1 }
    model_info: { id: drawn-1 }
  - model_name: recorded
    litellm_params: { model: openai/gpt-image-1, api_base: "${server.url}/v1", api_key: ${UPSTREAM_KEY} }
    model_info: { id: recorded-1 }
  - model_name: broken
    litellm_params: { model: mock/image-1, mock_error: 503 }
    model_info: { id: broken-1 }
`,
    });
    const api = client(proxyProcess.url, MASTER_KEY);

    const drawn = await generate(api, 'drawn', '16x16');
    const image = drawn.data.data?.[0]?.b64_json ?? '';
    expect(image.length).toBeGreaterThan(40);
    // The upstream complains with the key in its message: the proxy must not repeat it.
    server.respond({ status: 401, body: { error: { message: `Incorrect API key provided: ${UPSTREAM_KEY}.`, type: 'invalid_request_error' } } });
    const rejected = await failure(generate(api, 'recorded'));
    expect(rejected.status).toBe(401);
    expect(rejected.message).not.toContain(UPSTREAM_KEY);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    const broken = await failure(generate(api, 'broken', '16x16'));
    expect(broken.status).toBe(503);
    const unauthorized = await failure(generate(client(proxyProcess.url, WRONG_KEY), 'drawn', '16x16'));
    expect(unauthorized.status).toBe(401);

    await expect.poll(() => requestLines(proxyProcess).length).toBe(4);
    const lines = requestLines(proxyProcess);
    const lineOf = (callId: string | null | undefined) => {
      const matching = lines.filter((line) => line['call_id'] === callId);
      expect(matching, `log lines for call ${callId}`).toHaveLength(1);
      return matching[0]!;
    };

    expect(lineOf(drawn.response.headers.get('x-imagegate-call-id'))).toMatchObject({
      path: '/v1/images/generations',
      status: 200,
      model_group: 'drawn',
      deployment_id: 'drawn-1',
      provider: 'mock',
      retries: 0,
      fallbacks: 0,
      duration_ms: expect.any(Number),
    });
    expect(lineOf(rejected.headers?.get('x-imagegate-call-id'))).toMatchObject({
      status: 401,
      model_group: 'recorded',
      deployment_id: 'recorded-1',
      provider: 'openai',
      retries: 0,
      fallbacks: 0,
    });
    expect(lineOf(broken.headers?.get('x-imagegate-call-id'))).toMatchObject({
      status: 503,
      model_group: 'broken',
      deployment_id: 'broken-1',
      provider: 'mock',
      error: expect.objectContaining({ message: expect.stringContaining('503') }),
    });
    expect(lineOf(unauthorized.headers?.get('x-imagegate-call-id'))).toMatchObject({ status: 401, error: expect.objectContaining({ code: 'invalid_api_key' }) });

    await proxyProcess.stop('SIGTERM');
    const everything = proxyProcess.logs().map((line) => JSON.stringify(line)).join('\n') + proxyProcess.stderr();
    expect(everything).not.toContain(image.slice(0, 40));
    expect(everything).not.toContain('b64_json');
    for (const secret of [MASTER_KEY, UPSTREAM_KEY, WRONG_KEY]) expect(everything).not.toContain(secret);
  });
});

describe('command line (e2e)', () => {
  it('prints usage for --help and the version for --version, exiting 0', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage:');
    for (const option of ['--config', '--port', '--host', '--log-level', '--grace-period', 'generate']) expect(help.stdout).toContain(option);

    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const printed = await runCli(['--version']);
    expect(printed).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('prints usage for --help after other proxy options, without starting or reading the config', async () => {
    const [afterOptions, afterServe] = await Promise.all([
      runCli(['--config', '/nonexistent/imagegate.yaml', '--port', '0', '--help']),
      runCli(['serve', '-h']),
    ]);
    for (const result of [afterOptions, afterServe]) {
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^Usage:/);
    }
  });
});

describe('built-in default config (e2e)', () => {
  it('serves the offline mock models without --config and enforces IMAGEGATE_MASTER_KEY', async () => {
    const key = 'sk-env-master-key-do-not-log';
    const proxyProcess = await proxy({ env: isolatedEnv({ IMAGEGATE_MASTER_KEY: key }) });
    const api = client(proxyProcess.url, key);

    const ids = (await api.models.list()).data.map((model) => model.id);
    expect(ids).toContain('mock/image-1');
    // Without provider credentials in the environment, only the offline models are served.
    expect(ids.every((id) => id.startsWith('mock/'))).toBe(true);

    const { data, response } = await generate(api, 'mock/image-1', '16x16');
    expect(response.headers.get('x-imagegate-provider')).toBe('mock');
    expect(Buffer.from(data.data?.[0]?.b64_json ?? '', 'base64').subarray(1, 4).toString('latin1')).toBe('PNG');

    const anonymous = await failure(generate(client(proxyProcess.url, 'not-the-key'), 'mock/image-1', '16x16'));
    expect(anonymous).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(await failure(client(proxyProcess.url, 'not-the-key').models.list())).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(proxyProcess.logs().some((line) => /NO MASTER KEY/.test(String(line['msg'])))).toBe(false);
    expect(proxyProcess.logs().find((line) => String(line['msg']).startsWith('imagegate proxy listening'))?.['config']).toBe('built-in default');
  });
});
