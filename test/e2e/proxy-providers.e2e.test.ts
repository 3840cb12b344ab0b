// The proxy as operators run it (the built CLI in its own process), one model group per provider family,
// each pointing at a local upstream, driven by the official `openai` client (OpenAI and AzureOpenAI).
// Signing (SigV4) is checked by an independent verifier and Google tokens come from a real JWT-grant exchange.
import OpenAI, { AzureOpenAI } from 'openai';
import type { ImageGenerateParamsNonStreaming, ImagesResponse } from 'openai/resources/images';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleTokenServer, type GoogleTokenServer } from '../helpers/google-token-server.js';
import { isolatedEnv, startProxyProcess, type ProxyProcess } from '../helpers/proxy-process.js';
import { startRecordingServer, type RecordedRequest, type RecordingServer } from '../helpers/recording-server.js';
import { startSigV4Server, type RecordedSignedRequest, type SigV4Server } from '../helpers/sigv4-verifier.js';
import { b64, captureStdout, expectNoSecrets, fromB64 } from './helpers/proxy-http.js';

const MASTER_KEY = 'sk-imagegate-master-e2e-4f1c9a7d2b';
const OPENAI_KEY = 'sk-openai-upstream-e2e-8d3f1a9c77';
const AZURE_KEY = 'azure-upstream-key-e2e-5c2e9b1f03';
const COMPAT_KEY = 'compat-upstream-key-e2e-71a4d0c2ee';
const GEMINI_KEY = 'AIzaGeminiUpstreamKeyE2E-0c3b7f19';
const AWS_KEY_ID = 'AKIAIMAGEGATEE2E0001';
const AWS_SECRET = 'e2e/secret+Key/0123456789abcdefghijklmn';
const AZURE_API_VERSION = '2025-04-01-preview';

let proxy: ProxyProcess;
let openaiUp: RecordingServer;
let azureUp: RecordingServer;
let compatUp: RecordingServer;
let geminiUp: RecordingServer;
let vertexUp: RecordingServer;
let bedrockUp: SigV4Server;
let tokens: GoogleTokenServer;
let stdout: () => string;
/** Everything a client saw (bodies and header values), for the leak check. */
const seenByClients: string[] = [];

function clientFor(baseURL: string): OpenAI {
  return new OpenAI({ apiKey: MASTER_KEY, baseURL, maxRetries: 0, timeout: 15_000 });
}

/** images.generate with params the typed client does not know (provider params, custom sizes), plus the raw response. */
async function generate(client: OpenAI, params: Record<string, unknown>): Promise<{ data: ImagesResponse; response: Response }> {
  const result = await client.images.generate(params as unknown as ImageGenerateParamsNonStreaming).withResponse();
  seenByClients.push(JSON.stringify(result.data), JSON.stringify([...result.response.headers]));
  return { data: result.data, response: result.response };
}

function lastRequest(server: RecordingServer): RecordedRequest {
  expect(server.requests.length).toBeGreaterThan(0);
  return server.requests.at(-1)!;
}

function lastSigned(): RecordedSignedRequest {
  expect(bedrockUp.requests.length).toBeGreaterThan(0);
  const request = bedrockUp.requests.at(-1)!;
  expect(request.verdict, JSON.stringify(request.verdict)).toMatchObject({ ok: true, accessKeyId: AWS_KEY_ID, region: 'eu-west-1', service: 'bedrock' });
  return request;
}

function expectRouting(response: Response, modelId: string, provider: string): void {
  expect(response.headers.get('x-imagegate-model-id')).toBe(modelId);
  expect(response.headers.get('x-imagegate-provider')).toBe(provider);
  expect(response.headers.get('x-imagegate-call-id')).toMatch(/^[0-9a-f-]{36}$/);
  expect(response.headers.get('x-imagegate-attempted-retries')).toBe('0');
  expect(response.headers.get('x-imagegate-attempted-fallbacks')).toBe('0');
  expect(Number(response.headers.get('x-imagegate-response-duration-ms'))).toBeGreaterThanOrEqual(0);
  expect(Number(response.headers.get('x-imagegate-overhead-duration-ms'))).toBeGreaterThanOrEqual(0);
}

function openAiAnswer(request: RecordedRequest) {
  const body = request.body as Record<string, unknown>;
  return { status: 200, body: { created: 1700000001, data: [{ b64_json: b64(`${String(body['model'])} image`), revised_prompt: 'revised by upstream' }] } };
}

function googleAnswer(label: string) {
  return (request: RecordedRequest) => {
    if (request.path.endsWith(':predict')) {
      return { status: 200, body: { predictions: [{ bytesBase64Encoded: b64(`${label} imagen`), mimeType: 'image/png' }] } };
    }
    if ((request.body as { contents?: { parts?: { text?: string }[] }[] })?.contents?.[0]?.parts?.[0]?.text === 'echo my key') {
      // An upstream that echoes the caller's key in its error: the proxy must not pass it on.
      const key = String(request.headers['x-goog-api-key'] ?? request.headers['authorization'] ?? '');
      return { status: 400, body: { error: { code: 400, message: `API key ${key} is not valid for this model.`, status: 'INVALID_ARGUMENT' } } };
    }
    return {
      status: 200,
      body: {
        candidates: [
          { content: { role: 'model', parts: [{ text: `${label} says hello` }, { inlineData: { mimeType: 'image/png', data: b64(`${label} gemini`) } }] }, finishReason: 'STOP' },
        ],
      },
    };
  };
}

function bedrockAnswer(request: RecordedSignedRequest) {
  if (request.rawPath.includes('stable-diffusion-xl')) {
    return { status: 200, body: { result: 'success', artifacts: [{ seed: 7, base64: b64('bedrock sdxl'), finishReason: 'SUCCESS' }] } };
  }
  if (request.rawPath.includes('stable-image-core')) return { status: 200, body: { seeds: [7], finish_reasons: [null], images: [b64('bedrock core')] } };
  const family = request.rawPath.includes('titan') ? 'titan' : 'nova';
  return { status: 200, body: { images: [b64(`bedrock ${family}`)] } };
}

function deployment(group: string, id: string, params: Record<string, unknown>) {
  return { model_name: group, litellm_params: params, model_info: { id } };
}

beforeAll(async () => {
  [openaiUp, azureUp, compatUp, geminiUp, vertexUp, tokens] = await Promise.all([
    startRecordingServer(),
    startRecordingServer(),
    startRecordingServer(),
    startRecordingServer(),
    startRecordingServer(),
    startGoogleTokenServer(),
  ]);
  bedrockUp = await startSigV4Server({ keys: { [AWS_KEY_ID]: AWS_SECRET }, service: 'bedrock', region: 'eu-west-1', respond: bedrockAnswer });
  openaiUp.respond(openAiAnswer);
  compatUp.respond(openAiAnswer);
  azureUp.respond((request) => ({ status: 200, body: { created: 1700000002, data: [{ b64_json: b64(`azure ${request.path}`) }] } }));
  geminiUp.respond(googleAnswer('gemini-api'));
  vertexUp.respond(googleAnswer('vertex'));

  const aws = { aws_access_key_id: AWS_KEY_ID, aws_secret_access_key: AWS_SECRET, aws_region_name: 'eu-west-1' };
  const config = {
    model_list: [
      deployment('gpt-image-1', 'openai-gpt-image-1', { model: 'openai/gpt-image-1', api_key: OPENAI_KEY, api_base: openaiUp.url }),
      deployment('dall-e-3', 'openai-dall-e-3', { model: 'dall-e-3', api_key: 'os.environ/E2E_OPENAI_KEY', api_base: openaiUp.url }),
      deployment('azure-image', 'azure-gpt-image-1', { model: 'azure/gpt-image-1', api_key: AZURE_KEY, api_base: azureUp.url, api_version: AZURE_API_VERSION }),
      deployment('local-sd', 'compat-sd', { model: 'openai/my-sd-model', api_key: COMPAT_KEY, api_base: compatUp.url }),
      deployment('titan', 'bedrock-titan', { model: 'bedrock/amazon.titan-image-generator-v2:0', aws_bedrock_runtime_endpoint: bedrockUp.url, ...aws }),
      deployment('nova', 'bedrock-nova', { model: 'bedrock/amazon.nova-canvas-v1:0', api_base: bedrockUp.url, ...aws }),
      deployment('sdxl', 'bedrock-sdxl', { model: 'bedrock/stability.stable-diffusion-xl-v1', aws_bedrock_runtime_endpoint: bedrockUp.url, ...aws }),
      deployment('stable-core', 'bedrock-core', { model: 'bedrock/stability.stable-image-core-v1:1', aws_bedrock_runtime_endpoint: bedrockUp.url, ...aws }),
      deployment('imagen', 'vertex-imagen', {
        model: 'vertex_ai/imagen-4.0-generate-001',
        vertex_credentials: tokens.serviceAccountJson(),
        vertex_location: 'europe-west4',
        api_base: vertexUp.url,
      }),
      deployment('vertex-gemini', 'vertex-gemini-image', {
        model: 'vertex_ai/gemini-2.5-flash-image',
        vertex_credentials: tokens.serviceAccountJson(),
        vertex_project: 'my-project-123',
        vertex_location: 'us-central1',
        api_base: vertexUp.url,
      }),
      deployment('gemini-image', 'gemini-flash-image', { model: 'gemini/gemini-2.5-flash-image', api_key: 'os.environ/E2E_GEMINI_KEY', api_base: geminiUp.url }),
      deployment('offline', 'mock-image-1', { model: 'mock/image-1' }),
    ],
    router_settings: { num_retries: 0 },
    general_settings: { master_key: MASTER_KEY },
  };
  proxy = await startProxyProcess({ config: stringify(config), env: isolatedEnv({ E2E_OPENAI_KEY: OPENAI_KEY, E2E_GEMINI_KEY: GEMINI_KEY }) });
  stdout = captureStdout(proxy);
});

afterAll(async () => {
  await proxy?.stop();
  await Promise.all([openaiUp, azureUp, compatUp, geminiUp, vertexUp, tokens, bedrockUp].map((server) => server?.close()));
});

describe('OpenAI', () => {
  it('gpt-image-1: the client body reaches OpenAI unchanged with the deployment key; b64_json is what OpenAI sent', async () => {
    const { data, response } = await generate(clientFor(`${proxy.url}/v1`), {
      model: 'gpt-image-1',
      prompt: 'A cute baby sea otter',
      n: 1,
      size: '1536x1024',
      quality: 'high',
      background: 'transparent',
      output_format: 'webp',
      output_compression: 80,
    });
    expect(fromB64(data.data?.[0]?.b64_json)).toBe('gpt-image-1 image');
    expect(data.created).toBe(1700000001);
    expectRouting(response, 'openai-gpt-image-1', 'openai');
    const request = lastRequest(openaiUp);
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/images/generations');
    expect(request.headers['authorization']).toBe(`Bearer ${OPENAI_KEY}`);
    expect(request.body).toEqual({
      model: 'gpt-image-1',
      prompt: 'A cute baby sea otter',
      n: 1,
      size: '1536x1024',
      quality: 'high',
      background: 'transparent',
      output_format: 'webp',
      output_compression: 80,
    });
  });

  it('dall-e-3 through a baseURL without /v1, the key read from os.environ/…; revised_prompt passes through', async () => {
    const { data, response } = await generate(clientFor(proxy.url), {
      model: 'dall-e-3',
      prompt: 'Clippy in a cowboy hat',
      size: '1792x1024',
      quality: 'hd',
      style: 'natural',
      response_format: 'b64_json',
    });
    expect(data.data).toEqual([{ b64_json: b64('dall-e-3 image'), revised_prompt: 'revised by upstream' }]);
    expectRouting(response, 'openai-dall-e-3', 'openai');
    const request = lastRequest(openaiUp);
    expect(request.headers['authorization']).toBe(`Bearer ${OPENAI_KEY}`);
    expect(request.body).toEqual({ model: 'dall-e-3', prompt: 'Clippy in a cowboy hat', size: '1792x1024', quality: 'hd', style: 'natural', response_format: 'b64_json' });
  });
});

describe('Azure OpenAI', () => {
  function expectAzureWire(request: RecordedRequest): void {
    expect(request.path).toBe('/openai/deployments/gpt-image-1/images/generations');
    expect(request.query).toEqual({ 'api-version': AZURE_API_VERSION });
    expect(request.headers['api-key']).toBe(AZURE_KEY);
    expect(request.headers['authorization']).toBeUndefined();
    expect(request.body).toEqual({ prompt: 'A corgi in sunflowers', n: 1, size: '1024x1024', quality: 'medium' });
  }

  it('the official AzureOpenAI client reaches /openai/deployments/{model}/images/generations with the master key as api-key', async () => {
    const azure = new AzureOpenAI({ endpoint: proxy.url, apiKey: MASTER_KEY, apiVersion: AZURE_API_VERSION, deployment: 'azure-image', maxRetries: 0 });
    const result = await azure.images.generate({ prompt: 'A corgi in sunflowers', n: 1, size: '1024x1024', quality: 'medium' } as ImageGenerateParamsNonStreaming).withResponse();
    seenByClients.push(JSON.stringify(result.data), JSON.stringify([...result.response.headers]));
    expect(fromB64(result.data.data?.[0]?.b64_json)).toBe('azure /openai/deployments/gpt-image-1/images/generations');
    expectRouting(result.response, 'azure-gpt-image-1', 'azure');
    expectAzureWire(lastRequest(azureUp));
  });

  it('the same group through the OpenAI route', async () => {
    const { data, response } = await generate(clientFor(`${proxy.url}/v1`), { model: 'azure-image', prompt: 'A corgi in sunflowers', n: 1, size: '1024x1024', quality: 'medium' });
    expect(data.created).toBe(1700000002);
    expectRouting(response, 'azure-gpt-image-1', 'azure');
    expectAzureWire(lastRequest(azureUp));
  });
});

describe('OpenAI-compatible', () => {
  it('openai/<uncatalogued model> goes to the api_base with the prefix stripped and unknown params passed through', async () => {
    const { data, response } = await generate(clientFor(`${proxy.url}/v1`), { model: 'local-sd', prompt: 'A castle on a hill', size: '777x333', steps: 30 });
    expect(fromB64(data.data?.[0]?.b64_json)).toBe('my-sd-model image');
    expectRouting(response, 'compat-sd', 'openai-compatible');
    const request = lastRequest(compatUp);
    expect(request.path).toBe('/images/generations');
    expect(request.headers['authorization']).toBe(`Bearer ${COMPAT_KEY}`);
    expect(request.body).toEqual({ model: 'my-sd-model', prompt: 'A castle on a hill', size: '777x333', steps: 30 });
  });
});

describe('Bedrock (SigV4 verified independently)', () => {
  const client = () => clientFor(`${proxy.url}/v1`);

  it('Titan Image Generator v2', async () => {
    const { data, response } = await generate(client(), { model: 'titan', prompt: 'A red bicycle', negative_prompt: 'cars', n: 1, size: '1152x640', quality: 'hd', seed: 42 });
    expect(data.data?.map((image) => fromB64(image.b64_json))).toEqual(['bedrock titan']);
    expectRouting(response, 'bedrock-titan', 'bedrock');
    const request = lastSigned();
    expect(request.rawPath).toBe('/model/amazon.titan-image-generator-v2%3A0/invoke');
    expect(request.json).toEqual({
      taskType: 'TEXT_IMAGE',
      textToImageParams: { text: 'A red bicycle', negativeText: 'cars' },
      imageGenerationConfig: { numberOfImages: 1, width: 1152, height: 640, quality: 'premium', seed: 42 },
    });
  });

  it('Nova Canvas (endpoint given as api_base)', async () => {
    const { data, response } = await generate(client(), { model: 'nova', prompt: 'A mountain lake', n: 1, size: '1280x720', style: 'PHOTOREALISM' });
    expect(fromB64(data.data?.[0]?.b64_json)).toBe('bedrock nova');
    expectRouting(response, 'bedrock-nova', 'bedrock');
    const request = lastSigned();
    expect(request.rawPath).toBe('/model/amazon.nova-canvas-v1%3A0/invoke');
    expect(request.json).toEqual({
      taskType: 'TEXT_IMAGE',
      textToImageParams: { text: 'A mountain lake', style: 'PHOTOREALISM' },
      imageGenerationConfig: { numberOfImages: 1, width: 1280, height: 720 },
    });
  });

  it('Stable Diffusion XL', async () => {
    const { data, response } = await generate(client(), { model: 'sdxl', prompt: 'A lighthouse', size: '1024x1024', steps: 30, cfg_scale: 7 });
    expect(fromB64(data.data?.[0]?.b64_json)).toBe('bedrock sdxl');
    expectRouting(response, 'bedrock-sdxl', 'bedrock');
    const request = lastSigned();
    expect(request.rawPath).toBe('/model/stability.stable-diffusion-xl-v1/invoke');
    expect(request.json).toEqual({ text_prompts: [{ text: 'A lighthouse', weight: 1 }], width: 1024, height: 1024, steps: 30, cfg_scale: 7 });
  });

  it('Stable Image Core (size becomes an aspect ratio)', async () => {
    const { data, response } = await generate(client(), { model: 'stable-core', prompt: 'A neon street', size: '1920x1080', output_format: 'jpeg' });
    expect(fromB64(data.data?.[0]?.b64_json)).toBe('bedrock core');
    expectRouting(response, 'bedrock-core', 'bedrock');
    const request = lastSigned();
    expect(request.rawPath).toBe('/model/stability.stable-image-core-v1%3A1/invoke');
    expect(request.json).toEqual({ prompt: 'A neon street', aspect_ratio: '16:9', output_format: 'jpeg' });
  });

  it('no AWS credential reaches a Bedrock body, and every signature verified', () => {
    expect(bedrockUp.requests.length).toBe(4);
    for (const request of bedrockUp.requests) {
      expect(request.verdict.ok, JSON.stringify(request.verdict)).toBe(true);
      expect(request.body.toString('utf8')).not.toMatch(/aws_|AKIA|secret/i);
    }
  });
});

describe('Vertex AI (real token exchange)', () => {
  const client = () => clientFor(`${proxy.url}/v1`);

  it('Imagen :predict with the project from the service-account key and a Bearer token from the token server', async () => {
    const { data, response } = await generate(client(), { model: 'imagen', prompt: 'A red fox in snow', n: 1, size: '1920x1080' });
    expect(fromB64(data.data?.[0]?.b64_json)).toBe('vertex imagen');
    expectRouting(response, 'vertex-imagen', 'vertex-ai');
    const request = lastRequest(vertexUp);
    expect(request.path).toBe('/v1/projects/test-project/locations/europe-west4/publishers/google/models/imagen-4.0-generate-001:predict');
    expect(request.headers['authorization']).toMatch(/^Bearer ya29\.test-token-\d+$/);
    expect(request.body).toMatchObject({ instances: [{ prompt: 'A red fox in snow' }], parameters: { sampleCount: 1, aspectRatio: '16:9' } });
    expect(tokens.grants()).toBeGreaterThanOrEqual(1);
    expect(tokens.rejected).toEqual([]);
  });

  it('Gemini image :generateContent; the text part becomes revised_prompt', async () => {
    const { data, response } = await generate(client(), { model: 'vertex-gemini', prompt: 'A lighthouse at dusk', size: '1024x1536' });
    expect(data.data).toEqual([{ b64_json: b64('vertex gemini'), revised_prompt: 'vertex says hello' }]);
    expectRouting(response, 'vertex-gemini-image', 'vertex-ai');
    const request = lastRequest(vertexUp);
    expect(request.path).toBe('/v1/projects/my-project-123/locations/us-central1/publishers/google/models/gemini-2.5-flash-image:generateContent');
    expect(request.headers['authorization']).toMatch(/^Bearer ya29\.test-token-\d+$/);
    expect(request.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'A lighthouse at dusk' }] }],
      generationConfig: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '2:3' } },
    });
    expect(tokens.rejected).toEqual([]);
  });
});

describe('Gemini API', () => {
  it('generateContent with the key in x-goog-api-key (read from os.environ/…), no Authorization', async () => {
    const { data, response } = await generate(clientFor(proxy.url), { model: 'gemini-image', prompt: 'A lighthouse at dusk', size: '1920x1080' });
    expect(data.data).toEqual([{ b64_json: b64('gemini-api gemini'), revised_prompt: 'gemini-api says hello' }]);
    expectRouting(response, 'gemini-flash-image', 'gemini');
    const request = lastRequest(geminiUp);
    expect(request.path).toBe('/models/gemini-2.5-flash-image:generateContent');
    expect(request.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(request.headers['authorization']).toBeUndefined();
    expect(request.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'A lighthouse at dusk' }] }],
      generationConfig: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '16:9' } },
    });
  });

  it('an upstream error that echoes the key reaches the client as a 400 envelope without the key', async () => {
    const error = await generate(clientFor(`${proxy.url}/v1`), { model: 'gemini-image', prompt: 'echo my key' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
    seenByClients.push(JSON.stringify(apiError.error), apiError.message, JSON.stringify([...(apiError.headers ?? new Headers())]));
    expect(apiError.status).toBe(400);
    expect(apiError.code).toBe('INVALID_ARGUMENT');
    expect(apiError.headers?.get('x-imagegate-provider')).toBe('gemini');
    expect(apiError.message).toContain('is not valid for this model');
    expect(apiError.message).not.toContain(GEMINI_KEY);
    expect(lastRequest(geminiUp).headers['x-goog-api-key']).toBe(GEMINI_KEY);
  });
});

describe('mock (offline)', () => {
  it('draws a real PNG of the requested size', async () => {
    const { data, response } = await generate(clientFor(`${proxy.url}/v1`), { model: 'offline', prompt: 'a paper boat', n: 2, size: '64x48', response_format: 'b64_json' });
    expect(data.data).toHaveLength(2);
    for (const image of data.data ?? []) {
      const png = Buffer.from(image.b64_json ?? '', 'base64');
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([64, 48]);
    }
    expectRouting(response, 'mock-image-1', 'mock');
  });
});

describe('the proxy itself', () => {
  it('lists every group through the client', async () => {
    const models = [];
    for await (const model of clientFor(`${proxy.url}/v1`).models.list()) models.push(model.id);
    expect(models).toEqual(['gpt-image-1', 'dall-e-3', 'azure-image', 'local-sd', 'titan', 'nova', 'sdxl', 'stable-core', 'imagen', 'vertex-gemini', 'gemini-image', 'offline']);
  });

  it('logs one line per image request with the deployment and provider', async () => {
    // A line is written once its response is out, so the last one may land just after the client has it.
    const lines = () => proxy.logs().filter((line) => line['msg'] === 'request' && line['path'] !== '/v1/models');
    const served = () => lines().map((line) => `${String(line['deployment_id'])} ${String(line['provider'])} ${String(line['status'])}`);
    await expect.poll(served, { timeout: 5000 }).toEqual(
      expect.arrayContaining([
        'openai-gpt-image-1 openai 200',
        'azure-gpt-image-1 azure 200',
        'compat-sd openai-compatible 200',
        'bedrock-titan bedrock 200',
        'vertex-imagen vertex-ai 200',
        'gemini-flash-image gemini 400',
        'mock-image-1 mock 200',
      ]),
    );
    for (const line of lines()) expect(line).not.toHaveProperty('prompt');
  });

  it('no credential from the config, nor the Google access token, appears in any log line or response', () => {
    const pemLine = tokens.privatePem.split('\n').find((line) => line.length >= 60)!;
    const secrets = {
      MASTER_KEY,
      OPENAI_KEY,
      AZURE_KEY,
      COMPAT_KEY,
      GEMINI_KEY,
      AWS_SECRET,
      AWS_KEY_ID,
      'service-account private key': pemLine,
      'Google access token': 'ya29.test-token-',
    };
    expect(seenByClients.length).toBeGreaterThan(10);
    expectNoSecrets({ stdout: stdout(), stderr: proxy.stderr(), responses: seenByClients.join('\n') }, secrets);
  });
});
