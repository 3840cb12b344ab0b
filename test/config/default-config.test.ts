import { describe, expect, it } from 'vitest';
import { validateProxyConfig } from '../../generated/canonical/validators.js';
import { registry } from '../../generated/registry.js';
import { defaultConfig } from '../../src/config/default-config.js';
import { resolveModel } from '../../src/dispatch/resolve-model.js';
import type { Registry } from '../../src/provider/types.js';

function groups(env: NodeJS.ProcessEnv): string[] {
  return defaultConfig(env).config.model_list.map((deployment) => deployment.model_name);
}

describe('defaultConfig', () => {
  it('serves only the mock groups with an empty env', () => {
    const loaded = defaultConfig({});
    expect(loaded.source).toBe('built-in default');
    expect(loaded.warnings).toEqual([]);
    expect(loaded.env).toEqual({});
    expect(loaded.config.model_list).toEqual([
      { model_name: 'mock/image-1', litellm_params: { model: 'mock/image-1' } },
      { model_name: 'mock/square-1', litellm_params: { model: 'mock/square-1' } },
    ]);
  });

  it('adds the bare OpenAI catalog names with OPENAI_API_KEY', () => {
    const names = groups({ OPENAI_API_KEY: 'sk-test' });
    expect(names).toEqual(expect.arrayContaining(['gpt-image-1', 'dall-e-3']));
    expect(names).toEqual(expect.arrayContaining([...(registry.catalogModels['openai'] ?? [])]));
    expect(names.filter((name) => name.startsWith('mock/'))).toEqual(['mock/image-1', 'mock/square-1']);
  });

  it('treats an empty variable as unset', () => {
    expect(groups({ OPENAI_API_KEY: '' })).toEqual(['mock/image-1', 'mock/square-1']);
  });

  it('needs every variable of a set: AWS_ACCESS_KEY_ID alone adds no bedrock groups', () => {
    expect(groups({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE' }).some((name) => name.startsWith('bedrock/'))).toBe(false);
  });

  it('adds the bedrock/ groups with an access key and its secret', () => {
    const names = groups({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
    const bedrock = names.filter((name) => name.startsWith('bedrock/'));
    expect(bedrock).toEqual((registry.catalogModels['bedrock'] ?? []).map((model) => `bedrock/${model}`));
    expect(bedrock).toContain('bedrock/amazon.nova-canvas-v1:0');
  });

  it('returns a copy of env', () => {
    const env = { OPENAI_API_KEY: 'sk-test' };
    const loaded = defaultConfig(env);
    expect(loaded.env).toEqual(env);
    expect(loaded.env).not.toBe(env);
  });

  it('makes a valid config whose every model resolves to its provider', () => {
    const env = { OPENAI_API_KEY: 'k', AWS_BEARER_TOKEN_BEDROCK: 't', GEMINI_API_KEY: 'g' };
    const { config } = defaultConfig(env);
    expect(validateProxyConfig(config)).toBe(true);
    for (const deployment of config.model_list) {
      expect(() => resolveModel(registry, deployment.litellm_params.model, undefined)).not.toThrow();
    }
  });

  it('orders providers by id', () => {
    const fake: Registry = {
      ...registry,
      catalogModels: { zeta: ['z-1'], alpha: ['a-1', 'a-2'] },
      proxyDefaults: {
        zeta: { whenEnv: [], groupPrefix: 'zeta/' },
        alpha: { whenEnv: [['ALPHA_KEY']], groupPrefix: '' },
      },
    };
    const names = defaultConfig({ ALPHA_KEY: 'x' }, fake).config.model_list.map((deployment) => deployment.model_name);
    expect(names).toEqual(['a-1', 'a-2', 'zeta/z-1']);
  });
});
