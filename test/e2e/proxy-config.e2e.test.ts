// Config as a user meets it: the built CLI started on a config.yaml. Broken configs end with exit code 1 and
// one clear message on stderr (naming the path, line, variable or value at fault, never a secret); LiteLLM
// keys imagegate does not use start with a warning; a config written for LiteLLM starts unchanged and serves.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, writeConfig } from '../helpers/proxy-process.js';
import { proxy, upstream } from './helpers/lifecycle.js';

const MOCK_ONLY = `
model_list:
  - model_name: images
    litellm_params: { model: mock/image-1 }
`;

/** Runs `imagegate --config <file with text> ...args` to its exit. */
async function startWith(text: string, args: string[] = [], env = isolatedEnv()) {
  const path = writeConfig(text);
  return { path, ...(await runCli(['--config', path, ...args], env)) };
}

/** Start-up failed the way a user should see it: exit 1, one "imagegate: ..." message, nothing on stdout. */
function expectStartupError(result: { code: number | null; stdout: string; stderr: string }): string {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^imagegate: /);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  return result.stderr;
}

describe.concurrent('config errors at start-up (e2e)', () => {
  it('names the path of a missing config file', async () => {
    const path = `${writeConfig(MOCK_ONLY)}.missing`;
    const stderr = expectStartupError(await runCli(['--config', path]));
    expect(stderr).toContain(path);
    expect(stderr).toMatch(/does not exist/);
  });

  it('names the line of a YAML syntax error, without quoting the file', async () => {
    const tabbed = await startWith('model_list:\n  - model_name: a\n    litellm_params:\n      model: mock/image-1\n\tmodel_info: {}\n');
    expect(expectStartupError(tabbed)).toContain(`${tabbed.path}:5:`);

    const unterminated = await startWith('model_list:\n  - model_name: a\n    litellm_params:\n      model: openai/gpt-image-1\n      api_key: "sk-half-written-secret-0042\n');
    const stderr = expectStartupError(unterminated);
    expect(stderr).toContain(`${unterminated.path}:`);
    expect(stderr).toMatch(/quote/i);
    expect(stderr).not.toContain('sk-half-written-secret');
  });

  it('names an os.environ/ variable that is not set', async () => {
    const result = await startWith(`
model_list:
  - model_name: images
    litellm_params: { model: openai/gpt-image-1, api_key: os.environ/IMAGEGATE_E2E_UNSET_KEY }
`);
    const stderr = expectStartupError(result);
    expect(stderr).toContain('IMAGEGATE_E2E_UNSET_KEY');
    expect(stderr).toContain('model_list[0].litellm_params.api_key');
  });

  it('names a fallback group that no deployment has', async () => {
    const result = await startWith(`
router_settings:
  fallbacks: [{ images: [imagse-backup] }]
model_list:
  - model_name: images
    litellm_params: { model: mock/image-1 }
`);
    const stderr = expectStartupError(result);
    expect(stderr).toContain('"imagse-backup"');
    expect(stderr).toContain('router_settings.fallbacks[0]');
  });

  it('lists the allowed routing strategies for an unknown one', async () => {
    const result = await startWith(`
router_settings: { routing_strategy: round-robin }
${MOCK_ONLY}`);
    const stderr = expectStartupError(result);
    expect(stderr).toContain('round-robin');
    for (const strategy of ['simple-shuffle', 'least-busy', 'latency-based-routing']) expect(stderr).toContain(strategy);
  });

  it('rejects a model whose provider prefix it does not know', async () => {
    const result = await startWith(`
model_list:
  - model_name: images
    litellm_params: { model: nosuchprovider/image-model }
`);
    const stderr = expectStartupError(result);
    expect(stderr).toContain('model_list[0].litellm_params.model');
    expect(stderr).toContain('nosuchprovider/image-model');
    expect(stderr).toContain('mock/'); // the prefixes it does know
  });
});

describe.concurrent('command-line option errors (e2e)', () => {
  it.each([
    [['--port', 'abc'], /--port must be a whole number from 0 to 65535 \(got "abc"\)/],
    [['--port', '70000'], /--port must be a whole number .*"70000"/],
    [['--log-level', 'loud'], /--log-level must be one of fatal, error, warn, info, debug, trace \(got "loud"\)/],
    [['--grace-period', 'soon'], /--grace-period must be a whole number .*"soon"/],
    [['--prot', '4000'], /Unknown option '--prot'/],
  ])('imagegate %j is a clear error', async (args, message) => {
    expect(expectStartupError(await startWith(MOCK_ONLY, args))).toMatch(message);
  });
});

describe('LiteLLM configs (e2e)', () => {
  it('starts with one warning naming the LiteLLM keys it ignores, without their values', async () => {
    const proxyProcess = await proxy({
      config: `${MOCK_ONLY}
litellm_settings: { set_verbose: true, drop_params: true }
general_settings: { database_url: "postgresql://admin:db-password-77@127.0.0.1:5432/litellm" }
`,
    });
    const warnings = proxyProcess.logs().filter((line) => line['level'] === 40 && /ignor/i.test(String(line['msg'])));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!['msg']).toContain('litellm_settings.set_verbose');
    expect(warnings[0]!['msg']).toContain('general_settings.database_url');
    const { data } = await new OpenAI({ baseURL: `${proxyProcess.url}/v1`, apiKey: 'unused', maxRetries: 0 }).models.list();
    expect(data.map((model) => model.id)).toEqual(['images']);
    expect(JSON.stringify(proxyProcess.logs()) + proxyProcess.stderr()).not.toContain('db-password-77');
  });

  it("serves a config written for LiteLLM's image generation unchanged", async () => {
    const azure = await upstream();
    const azureKey = 'azure-eu-key-0123456789abcdef';
    const masterKey = 'sk-litellm-master-5150';
    // The shape of LiteLLM's proxy docs; only api_base points at a local stand-in for the Azure resource.
    const config = `
model_list:
  - model_name: gpt-image-1
    litellm_params:
      model: azure/gpt-image-1
      api_base: ${azure.url}/
      api_key: os.environ/AZURE_API_KEY_EU
      api_version: os.environ/AZURE_API_VERSION
      rpm: 60
    model_info:
      mode: image_generation
      base_model: azure/gpt-image-1

router_settings:
  routing_strategy: simple-shuffle
  num_retries: 2
  timeout: 60
  allowed_fails: 3
  cooldown_time: 30
  enable_pre_call_checks: true

litellm_settings:
  drop_params: True
  set_verbose: False
  request_timeout: 600
  json_logs: true

general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
  database_url: os.environ/DATABASE_URL

environment_variables:
  AZURE_API_VERSION: "2025-04-01-preview"
`;
    const proxyProcess = await proxy({
      config,
      env: isolatedEnv({ AZURE_API_KEY_EU: azureKey, LITELLM_MASTER_KEY: masterKey, DATABASE_URL: 'postgresql://u:pw@127.0.0.1/db' }),
    });
    const api = new OpenAI({ baseURL: `${proxyProcess.url}/v1`, apiKey: masterKey, maxRetries: 0 });
    expect((await api.models.list()).data.map((model) => model.id)).toEqual(['gpt-image-1']);

    const { data, response } = await api.images.generate({ model: 'gpt-image-1', prompt: 'a watercolor fox', size: '1024x1024' }).withResponse();
    expect(data.data?.[0]?.b64_json).toBe('aGVsbG8=');
    expect(response.headers.get('x-imagegate-provider')).toBe('azure');

    expect(azure.requests).toHaveLength(1);
    const sent = azure.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/openai/deployments/gpt-image-1/images/generations');
    expect(sent.query['api-version']).toBe('2025-04-01-preview');
    expect(sent.headers['api-key']).toBe(azureKey);
    expect(sent.headers.authorization).toBeUndefined(); // the client's master key stays at the proxy
    expect(sent.body).toMatchObject({ prompt: 'a watercolor fox', size: '1024x1024' });

    const wrongKey = await new OpenAI({ baseURL: `${proxyProcess.url}/v1`, apiKey: 'sk-guess', maxRetries: 0 }).models.list().catch((error: unknown) => error);
    expect(wrongKey).toBeInstanceOf(OpenAI.AuthenticationError);

    const warnings = proxyProcess.logs().filter((line) => line['level'] === 40);
    expect(warnings).toHaveLength(1); // the ignored keys; the master key is set, so no open-proxy warning
    for (const key of ['router_settings.enable_pre_call_checks', 'litellm_settings.set_verbose', 'litellm_settings.json_logs', 'general_settings.database_url']) {
      expect(warnings[0]!['msg']).toContain(key);
    }
    const everything = JSON.stringify(proxyProcess.logs()) + proxyProcess.stderr();
    for (const secret of [azureKey, masterKey, 'u:pw@']) expect(everything).not.toContain(secret);
  });
});
