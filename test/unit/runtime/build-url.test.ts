import { beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../../generated/registry.js';
import { buildUrl, publicBase } from '../../../src/dispatch/build-url.js';
import type { ProviderDefinition, WireRequest } from '../../../src/provider/types.js';

let openai: ProviderDefinition;
let azure: ProviderDefinition;

beforeAll(async () => {
  [openai, azure] = await Promise.all([registry.load('openai'), registry.load('azure')]);
});

function wire(provider: ProviderDefinition, model: string, settings: Record<string, string> = {}): WireRequest {
  return provider.generate.variants['default']!.buildRequest({ model, params: { prompt: 'a fox' }, extras: {}, settings, files: {} });
}

function openaiUrl(base: string): string {
  return buildUrl(openai.generate, base, wire(openai, 'gpt-image-1')).toString();
}

function azureUrl(base: string, model = 'gpt-image-1', apiVersion = '2025-04-01-preview'): string {
  return buildUrl(azure.generate, base, wire(azure, model, { api_version: apiVersion })).toString();
}

describe('buildUrl', () => {
  it.each([
    ['https://api.openai.com', 'https://api.openai.com/images/generations'],
    ['https://api.openai.com/v1', 'https://api.openai.com/v1/images/generations'],
    ['https://api.openai.com/v1/', 'https://api.openai.com/v1/images/generations'],
    ['http://127.0.0.1:8080/proxy/openai/v1', 'http://127.0.0.1:8080/proxy/openai/v1/images/generations'],
    ['https://gw.example/v1?tenant=a', 'https://gw.example/v1/images/generations?tenant=a'],
  ])('openai: %s -> %s', (base, expected) => {
    expect(openaiUrl(base)).toBe(expected);
  });

  it('azure: a resource endpoint gets the deployment path and api-version', () => {
    expect(azureUrl('https://res.openai.azure.com')).toBe(
      'https://res.openai.azure.com/openai/deployments/gpt-image-1/images/generations?api-version=2025-04-01-preview',
    );
  });

  it('azure: the deployment name is path-encoded', () => {
    expect(azureUrl('https://res.openai.azure.com', 'my deploy/x')).toBe(
      'https://res.openai.azure.com/openai/deployments/my%20deploy%2Fx/images/generations?api-version=2025-04-01-preview',
    );
  });

  it.each([
    'https://res.openai.azure.com/openai/deployments/prod',
    'https://res.openai.azure.com/openai/deployments/prod/',
    'https://res.openai.azure.com/openai/deployments/prod/images/generations',
    'https://res.openai.azure.com/openai/deployments/prod/images/generations/',
  ])('azure: a full deployment URL %s is used as given (its deployment wins)', (base) => {
    expect(azureUrl(base, 'gpt-image-1')).toBe(
      'https://res.openai.azure.com/openai/deployments/prod/images/generations?api-version=2025-04-01-preview',
    );
  });

  it('azure: a query param already in the base is kept, others are added', () => {
    const url = new URL(azureUrl('https://res.openai.azure.com/openai/deployments/prod?api-version=2024-10-21&x=1'));
    expect(url.pathname).toBe('/openai/deployments/prod/images/generations');
    expect(url.searchParams.getAll('api-version')).toEqual(['2024-10-21']);
    expect(url.searchParams.get('x')).toBe('1');
    const plain = new URL(azureUrl('https://res.openai.azure.com?x=1'));
    expect(plain.pathname).toBe('/openai/deployments/gpt-image-1/images/generations');
    expect(Object.fromEntries(plain.searchParams)).toEqual({ x: '1', 'api-version': '2025-04-01-preview' });
  });
});

describe('publicBase', () => {
  it.each([
    ['https://user:s3cret@gw.example/v1?api-key=s3cret&x=1', 'https://gw.example/v1'],
    ['https://res.openai.azure.com/openai/deployments/prod?api-version=2024-10-21', 'https://res.openai.azure.com/openai/deployments/prod'],
    ['http://127.0.0.1:8080/v1#frag', 'http://127.0.0.1:8080/v1'],
  ])('%s -> %s', (base, expected) => {
    expect(publicBase(base)).toBe(expected);
  });
});
