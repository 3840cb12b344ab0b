import { beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../../generated/registry.js';
import { AuthenticationError, BadRequestError } from '../../../src/errors/classes.js';
import type { ProviderDefinition } from '../../../src/provider/types.js';
import { resolveSettings, secretValues } from '../../../src/settings/resolve-settings.js';

let openai: ProviderDefinition;
let azure: ProviderDefinition;
let compatible: ProviderDefinition;

beforeAll(async () => {
  [openai, azure, compatible] = await Promise.all([registry.load('openai'), registry.load('azure'), registry.load('openai-compatible')]);
});

async function failure(fn: () => Promise<unknown>): Promise<Error & { param?: string | null }> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected resolveSettings to throw');
}

describe('resolveSettings: precedence', () => {
  it('params beat env beat default', async () => {
    const env = { OPENAI_API_KEY: 'env-key', OPENAI_BASE_URL: 'http://env.example/v1' };
    expect(await resolveSettings(openai, { api_key: 'param-key', api_base: 'http://param.example/v1' }, env)).toEqual({
      api_key: 'param-key',
      api_base: 'http://param.example/v1',
    });
    expect(await resolveSettings(openai, {}, env)).toEqual({ api_key: 'env-key', api_base: 'http://env.example/v1' });
    expect(await resolveSettings(openai, {}, { OPENAI_API_KEY: 'env-key' })).toEqual({ api_key: 'env-key', api_base: 'https://api.openai.com/v1' });
  });

  it('reads secondary env var names, the first name winning when both are set', async () => {
    const base = 'https://res.openai.azure.com';
    const secondary = { AZURE_OPENAI_API_KEY: 'k2', AZURE_OPENAI_ENDPOINT: base, OPENAI_API_VERSION: '2024-10-21' };
    expect(await resolveSettings(azure, {}, secondary)).toEqual({ api_key: 'k2', api_base: base, api_version: '2024-10-21' });
    expect(await resolveSettings(azure, {}, { ...secondary, AZURE_API_KEY: 'k1', AZURE_API_VERSION: '2025-04-01-preview' })).toMatchObject({
      api_key: 'k1',
      api_version: '2025-04-01-preview',
    });
    expect((await resolveSettings(openai, {}, { OPENAI_API_KEY: 'k', OPENAI_API_BASE: 'http://second.example' }))['api_base']).toBe('http://second.example');
  });

  it('ignores blank env values and empty-string params, trims env values', async () => {
    const env = { OPENAI_API_KEY: '  env-key \n', OPENAI_BASE_URL: '   ', OPENAI_API_BASE: '' };
    expect(await resolveSettings(openai, { api_key: '', api_base: '' }, env)).toEqual({ api_key: 'env-key', api_base: 'https://api.openai.com/v1' });
  });

  it('leaves an optional setting without a default undefined', async () => {
    const settings = await resolveSettings(compatible, { api_base: 'http://localhost:8000/v1' }, {});
    expect(settings).toEqual({ api_base: 'http://localhost:8000/v1', api_key: undefined });
  });
});

describe('resolveSettings: missing settings', () => {
  it('a missing secret is an AuthenticationError naming the param and the env var', async () => {
    const error = await failure(() => resolveSettings(openai, {}, { OPENAI_API_KEY: ' ' }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.param).toBe('api_key');
    expect(error.message).toContain('api_key');
    expect(error.message).toContain('OPENAI_API_KEY');
  });

  it('names every env var the setting can come from', async () => {
    const error = await failure(() => resolveSettings(azure, { api_base: 'https://res.openai.azure.com' }, {}));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain('AZURE_API_KEY');
    expect(error.message).toContain('AZURE_OPENAI_API_KEY');
  });

  it('a missing non-secret required setting is a BadRequestError', async () => {
    const error = await failure(() => resolveSettings(compatible, { api_key: 'k' }, { OPENAI_BASE_URL: 'http://not-for-compatible.example' }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).not.toBeInstanceOf(AuthenticationError);
    expect(error.param).toBe('api_base');
    expect(error.message).toContain('OPENAI_COMPATIBLE_API_BASE');
  });
});

describe('resolveSettings: api_base', () => {
  it.each([
    ['http://localhost:8000/v1/', 'http://localhost:8000/v1'],
    ['https://proxy.example/v1///', 'https://proxy.example/v1'],
    ['https://proxy.example/', 'https://proxy.example'],
  ])('trims trailing slashes from %s', async (base, expected) => {
    expect((await resolveSettings(openai, { api_key: 'k', api_base: base }, {}))['api_base']).toBe(expected);
    expect((await resolveSettings(openai, { api_key: 'k' }, { OPENAI_BASE_URL: base }))['api_base']).toBe(expected);
  });

  it.each([
    ['not a url s3cr3t-token', 'is not a URL'],
    ['ftp://files.example/s3cr3t-token', 'http(s)'],
    ['file:///etc/s3cr3t-token', 'http(s)'],
  ])('rejects %s naming its source without echoing it', async (value, why) => {
    const fromParam = await failure(() => resolveSettings(openai, { api_key: 'k', api_base: value }, {}));
    expect(fromParam).toBeInstanceOf(BadRequestError);
    expect(fromParam.param).toBe('api_base');
    expect(fromParam.message).toContain('param api_base');
    expect(fromParam.message).toContain(why);
    expect(fromParam.message).not.toContain('s3cr3t-token');

    const fromEnv = await failure(() => resolveSettings(openai, { api_key: 'k' }, { OPENAI_API_BASE: value }));
    expect(fromEnv).toBeInstanceOf(BadRequestError);
    expect(fromEnv.message).toContain('environment variable OPENAI_API_BASE');
    expect(fromEnv.message).not.toContain('s3cr3t-token');
  });
});

describe('secretValues', () => {
  it('returns the resolved secret settings only', async () => {
    const settings = await resolveSettings(azure, {}, { AZURE_API_KEY: 'azure-secret', AZURE_API_BASE: 'https://res.openai.azure.com' });
    expect(secretValues(azure, settings)).toEqual(['azure-secret']);
  });

  it('skips an unset optional secret', async () => {
    expect(secretValues(compatible, await resolveSettings(compatible, { api_base: 'http://localhost:8000' }, {}))).toEqual([]);
  });
});

describe('resolveSettings: derived defaults and patterns (Vertex AI)', () => {
  const credentials = { vertex_credentials: '{"type":"service_account","project_id":"from-key-project"}' };

  it('builds the regional host from the location, and the global host for location global', async () => {
    const vertex = await registry.load('vertex-ai');
    const regional = await resolveSettings(vertex, { ...credentials, vertex_ai_location: 'europe-west4' }, {});
    expect(regional['api_base']).toBe('https://europe-west4-aiplatform.googleapis.com');
    const global = await resolveSettings(vertex, { ...credentials, vertex_location: 'global' }, {});
    expect(global['api_base']).toBe('https://aiplatform.googleapis.com');
  });

  it('takes the project from params, then env, then the credentials', async () => {
    const vertex = await registry.load('vertex-ai');
    const base = { ...credentials, vertex_ai_location: 'us-central1' };
    expect((await resolveSettings(vertex, { ...base, vertex_project: 'param-project' }, { VERTEXAI_PROJECT: 'env-project' }))['project']).toBe('param-project');
    expect((await resolveSettings(vertex, base, { GOOGLE_CLOUD_PROJECT: 'env-project' }))['project']).toBe('env-project');
    expect((await resolveSettings(vertex, base, {}))['project']).toBe('from-key-project');
  });

  it('refuses a location that could change the host', async () => {
    const vertex = await registry.load('vertex-ai');
    const error = await failure(() => resolveSettings(vertex, { ...credentials, vertex_ai_location: 'evil.example/x' }, {}));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toContain('location');
    expect(error.param).toBe('vertex_ai_location');
  });
});
