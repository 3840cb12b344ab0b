import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfigFile, parseConfig } from '../../src/config/load-config.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagegate-config-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let written = 0;
async function configFile(text: string): Promise<string> {
  const path = join(dir, `config-${++written}.yaml`);
  await writeFile(path, text, 'utf8');
  return path;
}

async function loadError(text: string, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  const path = await configFile(text);
  const error = await loadConfigFile(path, env).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

function parseError(text: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseConfig(text, { env, source: 'config.yaml' });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const MOCK_ONLY = `model_list:
  - model_name: images
    litellm_params:
      model: mock/image-1
`;

describe('loadConfigFile: the file', () => {
  it('names a missing file and says to check --config', async () => {
    const path = join(dir, 'missing.yaml');
    const error = await loadConfigFile(path, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).name).toBe('ConfigError');
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('--config');
  });

  it('rejects a directory', async () => {
    const error = await loadConfigFile(dir, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/is a directory/);
    expect((error as Error).message).toContain('--config');
  });

  it('loads a file and reports its path as the source', async () => {
    const path = await configFile(MOCK_ONLY);
    const loaded = await loadConfigFile(path, {});
    expect(loaded.source).toBe(path);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.model_list[0]?.litellm_params.model).toBe('mock/image-1');
  });
});

describe('parseConfig: YAML and the root', () => {
  it('reports bad YAML with file:line:column', async () => {
    const text = `model_list:
  - model_name: images
    litellm_params:
      model: mock/image-1
      model: mock/square-1
`;
    const error = await loadError(text);
    expect(error.message).toMatch(/config-\d+\.yaml:5:\d+: Map keys must be unique/);
  });

  it('reports the line of an indentation error', () => {
    const text = `model_list:
  - model_name: images
    litellm_params:
      model: mock/image-1
     api_base: https://example.test
`;
    expect(parseError(text).message).toMatch(/^config\.yaml:5:\d+: /);
  });

  it('says an empty file needs model_list:', async () => {
    expect((await loadError('')).message).toMatch(/empty.*model_list:/s);
    expect(parseError('# only a comment\n').message).toMatch(/empty.*model_list:/s);
  });

  it('says a list root needs model_list:', () => {
    const message = parseError('- model_name: images\n  litellm_params: {model: mock/image-1}\n').message;
    expect(message).toMatch(/top level is a list/);
    expect(message).toContain('model_list:');
  });

  it('says a scalar root needs model_list:', () => {
    expect(parseError('just text\n').message).toMatch(/single value.*model_list:/s);
  });
});

describe('parseConfig: os.environ/ references', () => {
  const text = `environment_variables:
  REGION: eu
  RETRIES: 3
  VERBOSE: true
  FROM_OUTSIDE: os.environ/OUTER
model_list:
  - model_name: images
    litellm_params:
      model: mock/image-1
      api_key: os.environ/KEY_A
      tags:
        - os.environ/REGION
        - plain
        - deep: [os.environ/FROM_OUTSIDE, [os.environ/RETRIES]]
`;

  it('resolves references everywhere, environment_variables first', () => {
    const env = { KEY_A: 'key-a', OUTER: 'outer-value' };
    const loaded = parseConfig(text, { env, source: 'config.yaml' });
    const params = loaded.config.model_list[0]?.litellm_params;
    expect(params?.api_key).toBe('key-a');
    expect(params?.['tags']).toEqual(['eu', 'plain', { deep: ['outer-value', ['3']] }]);
    expect(loaded.config.environment_variables).toEqual({ REGION: 'eu', RETRIES: 3, VERBOSE: true, FROM_OUTSIDE: 'outer-value' });
    expect(loaded.env).toMatchObject({ KEY_A: 'key-a', OUTER: 'outer-value', REGION: 'eu', RETRIES: '3', VERBOSE: 'true', FROM_OUTSIDE: 'outer-value' });
  });

  it('never touches the given env or process.env', () => {
    const env = { KEY_A: 'key-a', OUTER: 'outer-value' };
    parseConfig(text, { env, source: 'config.yaml' });
    expect(env).toEqual({ KEY_A: 'key-a', OUTER: 'outer-value' });
    expect(process.env['REGION']).toBeUndefined();
    expect(process.env['FROM_OUTSIDE']).toBeUndefined();
  });

  it('lets environment_variables override the given env', () => {
    const loaded = parseConfig(text, { env: { KEY_A: 'a', OUTER: 'o', REGION: 'us' }, source: 'config.yaml' });
    expect(loaded.env['REGION']).toBe('eu');
    expect(loaded.config.model_list[0]?.litellm_params['tags']).toContain('eu');
  });

  it('names a missing variable and where it is read', () => {
    const message = parseError(`model_list:
  - model_name: images
    litellm_params:
      model: azure/my-deployment
      api_key: os.environ/AZURE_API_KEY_EU
`).message;
    expect(message).toContain('model_list[0].litellm_params.api_key reads os.environ/AZURE_API_KEY_EU, which is not set');
    expect(message).toContain('export AZURE_API_KEY_EU=');
    expect(message).toContain('environment_variables');
  });

  it('treats an empty variable as missing', () => {
    const message = parseError(`model_list:
  - model_name: images
    litellm_params: {model: mock/image-1, api_key: os.environ/EMPTY_KEY}
`, { EMPTY_KEY: '' }).message;
    expect(message).toContain('os.environ/EMPTY_KEY, which is empty');
  });

  it('names a missing variable read by environment_variables', () => {
    const message = parseError(`environment_variables:
  A: os.environ/NOT_THERE
${MOCK_ONLY}`).message;
    expect(message).toContain('environment_variables.A reads os.environ/NOT_THERE, which is not set');
  });
});

describe('parseConfig: keys imagegate does not use', () => {
  it('warns once and still loads without them', () => {
    const loaded = parseConfig(`${MOCK_ONLY}router_settings:
  routing_strategy: least-busy
  redis_host: localhost
litellm_settings:
  set_verbose: true
  success_callback: [langfuse]
general_settings:
  database_url: os.environ/DATABASE_URL
`, { env: {}, source: 'config.yaml' });
    expect(loaded.warnings).toEqual([
      'ignoring keys imagegate does not use: router_settings.redis_host, litellm_settings.set_verbose, litellm_settings.success_callback, general_settings.database_url',
    ]);
    expect(loaded.config.router_settings).toEqual({ routing_strategy: 'least-busy' });
    expect(loaded.config.litellm_settings).toEqual({});
    expect(loaded.config.general_settings).toEqual({});
  });
});

describe('parseConfig: schema errors', () => {
  it('lists the allowed routing strategies', () => {
    const message = parseError(`${MOCK_ONLY}router_settings:
  routing_strategy: usage-based-routing
`).message;
    expect(message).toContain('router_settings.routing_strategy');
    expect(message).toContain('use one of simple-shuffle, least-busy, latency-based-routing');
  });

  it('names the path of a wrongly typed rpm', () => {
    const message = parseError(`model_list:
  - model_name: images
    litellm_params:
      model: mock/image-1
      rpm: lots
`).message;
    expect(message).toContain('model_list[0].litellm_params.rpm must be a whole number');
    expect(message).toContain('line 5');
    expect(message).not.toContain('lots');
  });

  it('says to add a deployment to an empty model_list', () => {
    expect(parseError('model_list: []\n').message).toContain('model_list is empty: add at least one deployment');
  });

  it('says which required key to add', () => {
    const message = parseError(`model_list:
  - model_name: images
    litellm_params: {api_key: x}
`).message;
    expect(message).toContain('model_list[0].litellm_params.model is missing: add model:');
  });

  it('lists every problem in one error', () => {
    const message = parseError(`model_list:
  - model_name: images
    litellm_params: {model: mock/image-1, timeout: -1}
router_settings: {num_retries: 99}
`).message;
    expect(message).toMatch(/has 2 problems/);
    expect(message).toContain('model_list[0].litellm_params.timeout must be > 0');
    expect(message).toContain('router_settings.num_retries must be <= 10');
  });

  it('never prints a secret value', () => {
    const text = `model_list:
  - model_name: images
    litellm_params:
      model: mock/image-1
      api_key: 12345
      vertex_credentials: 98765
      api_base: ftp://user:hunter2-secret@example.test
      aws_secret_access_key: SECRETabc123xyz
general_settings:
  master_key: 424242
  allow_client_side_credentials: sk-not-a-boolean-secret
`;
    const message = parseError(text).message;
    expect(message).toContain('model_list[0].litellm_params.api_key must be a string');
    expect(message).toContain('model_list[0].litellm_params.vertex_credentials must be a string');
    expect(message).toContain('general_settings.master_key must be a string');
    for (const secret of ['12345', '98765', 'hunter2-secret', 'SECRETabc123xyz', '424242', 'sk-not-a-boolean-secret']) {
      expect(message).not.toContain(secret);
    }
  });

  it('never prints a secret from a YAML syntax error', () => {
    const message = parseError(`model_list:
  - model_name: images
    litellm_params:
      model: mock/image-1
      api_key: "sk-leaky-secret-value
`).message;
    expect(message).toMatch(/^config\.yaml:\d+:\d+: /);
    expect(message).not.toContain('sk-leaky-secret-value');
  });
});

describe('parseConfig: checks beyond the schema', () => {
  it('rejects a fallback to a group no deployment has', () => {
    const message = parseError(`${MOCK_ONLY}router_settings:
  fallbacks: [{images: [backup]}]
`).message;
    expect(message).toContain('router_settings.fallbacks[0] names model group "backup", which no model_list entry has');
    expect(message).toContain('(groups: images)');
  });

  it('rejects an unknown fallback source group', () => {
    const message = parseError(`${MOCK_ONLY}litellm_settings:
  fallbacks: [{nope: [images]}]
`).message;
    expect(message).toContain('litellm_settings.fallbacks[0] names model group "nope"');
  });

  it('rejects a group falling back to itself', () => {
    const message = parseError(`${MOCK_ONLY}router_settings:
  fallbacks: [{images: [images]}]
`).message;
    expect(message).toContain('router_settings.fallbacks[0] makes model group "images" fall back to itself');
  });

  it('rejects duplicate deployment ids', () => {
    const message = parseError(`model_list:
  - model_name: images
    litellm_params: {model: mock/image-1}
    model_info: {id: deployment-a}
  - model_name: images
    litellm_params: {model: mock/square-1}
    model_info: {id: deployment-a}
`).message;
    expect(message).toContain('model_list[1].model_info.id repeats the id "deployment-a" of model_list[0]');
  });

  it('rejects a model no provider serves', () => {
    const message = parseError(`model_list:
  - model_name: images
    litellm_params: {model: mock/image-1}
  - model_name: other
    litellm_params: {model: nobody/some-model}
`).message;
    expect(message).toContain('model_list[1].litellm_params.model: Unknown model "nobody/some-model"');
  });

  it('rejects an unknown custom_llm_provider', () => {
    const message = parseError(`model_list:
  - model_name: images
    litellm_params: {model: my-model, custom_llm_provider: nobody}
`).message;
    expect(message).toContain('model_list[0].litellm_params.model: Unknown custom_llm_provider "nobody"');
  });
});

describe('parseConfig: a full LiteLLM-style config', () => {
  const text = `# LiteLLM proxy config, image deployments only
model_list:
  - model_name: images
    litellm_params:
      model: azure/my-dalle-deployment
      api_base: https://my-endpoint-eu.openai.azure.com
      api_key: os.environ/AZURE_API_KEY_EU
      api_version: "2024-02-01"
      rpm: 6
    model_info:
      id: azure-eu
  - model_name: images
    litellm_params:
      model: openai/gpt-image-1
      api_key: os.environ/OPENAI_API_KEY
      weight: 2
      timeout: 120
      max_retries: 1
  - model_name: nova
    litellm_params:
      model: bedrock/amazon.nova-canvas-v1:0
      aws_region_name: us-east-1
  - model_name: imagen
    litellm_params:
      model: vertex_ai/imagen-4.0-generate-001
      vertex_project: my-project
      vertex_location: us-central1
      vertex_credentials: os.environ/VERTEX_CREDENTIALS_PATH
  - model_name: backup
    litellm_params:
      model: mock/image-1
      drop_params: true
      tpm: 1000
    model_info:
      id: mock-backup
      note: local
router_settings:
  routing_strategy: simple-shuffle
  num_retries: 2
  timeout: 30
  allowed_fails: 3
  cooldown_time: 5
  fallbacks:
    - images: [backup]
    - nova: [imagen, backup]
litellm_settings:
  drop_params: true
  num_retries: 1
  request_timeout: 60
  fallbacks: [{imagen: [backup]}]
general_settings:
  master_key: os.environ/PROXY_MASTER_KEY
  allow_client_side_credentials: false
  max_request_size_mb: 20
environment_variables:
  AZURE_API_KEY_EU: azure-eu-key
  VERTEX_CREDENTIALS_PATH: /etc/imagegate/sa.json
`;

  it('loads unchanged apart from the references', async () => {
    const path = await configFile(text);
    const loaded = await loadConfigFile(path, { OPENAI_API_KEY: 'openai-key', PROXY_MASTER_KEY: 'master' });
    expect(loaded.warnings).toEqual([]);
    expect(loaded.source).toBe(path);
    expect(loaded.env).toEqual({
      OPENAI_API_KEY: 'openai-key',
      PROXY_MASTER_KEY: 'master',
      AZURE_API_KEY_EU: 'azure-eu-key',
      VERTEX_CREDENTIALS_PATH: '/etc/imagegate/sa.json',
    });
    expect(loaded.config).toEqual({
      model_list: [
        {
          model_name: 'images',
          litellm_params: {
            model: 'azure/my-dalle-deployment',
            api_base: 'https://my-endpoint-eu.openai.azure.com',
            api_key: 'azure-eu-key',
            api_version: '2024-02-01',
            rpm: 6,
          },
          model_info: { id: 'azure-eu' },
        },
        {
          model_name: 'images',
          litellm_params: { model: 'openai/gpt-image-1', api_key: 'openai-key', weight: 2, timeout: 120, max_retries: 1 },
        },
        { model_name: 'nova', litellm_params: { model: 'bedrock/amazon.nova-canvas-v1:0', aws_region_name: 'us-east-1' } },
        {
          model_name: 'imagen',
          litellm_params: {
            model: 'vertex_ai/imagen-4.0-generate-001',
            vertex_project: 'my-project',
            vertex_location: 'us-central1',
            vertex_credentials: '/etc/imagegate/sa.json',
          },
        },
        {
          model_name: 'backup',
          litellm_params: { model: 'mock/image-1', drop_params: true, tpm: 1000 },
          model_info: { id: 'mock-backup', note: 'local' },
        },
      ],
      router_settings: {
        routing_strategy: 'simple-shuffle',
        num_retries: 2,
        timeout: 30,
        allowed_fails: 3,
        cooldown_time: 5,
        fallbacks: [{ images: ['backup'] }, { nova: ['imagen', 'backup'] }],
      },
      litellm_settings: { drop_params: true, num_retries: 1, request_timeout: 60, fallbacks: [{ imagen: ['backup'] }] },
      general_settings: { master_key: 'master', allow_client_side_credentials: false, max_request_size_mb: 20 },
      environment_variables: { AZURE_API_KEY_EU: 'azure-eu-key', VERTEX_CREDENTIALS_PATH: '/etc/imagegate/sa.json' },
    });
  });
});
