// Bedrock requests signed for real (SigV4 via @smithy/signature-v4) and verified by an independent
// verifier on a local server: model ids with ':', ARNs, temporary credentials, the AWS chain's
// shared files and container credentials. Everything stays on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { imageGeneration, ImagegateError, type ImageGenerationParams } from '../../src/index.js';
import { clearAwsCredentialCache } from '../../src/auth/aws-credentials.js';
import { startSigV4Server, type SigV4Server } from '../helpers/sigv4-verifier.js';

const KEY_ID = 'AKIAIMAGEGATETEST001';
const SECRET = 'imagegate/test+secret/0123456789abcdefghij';
const TEMP_KEY_ID = 'ASIAIMAGEGATETEMP001';
const TEMP_SECRET = 'temporary/secret/0123456789abcdefghijkl';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEJr//////////session-token-for-tests';
const PROFILE_KEY_ID = 'AKIAIMAGEGATEPROF001';
const PROFILE_SECRET = 'profile/secret/0123456789abcdefghijklmn';

let verifier: SigV4Server;
let savedEnv: NodeJS.ProcessEnv;
let dir: string;

beforeAll(async () => {
  verifier = await startSigV4Server({
    keys: { [KEY_ID]: SECRET, [TEMP_KEY_ID]: TEMP_SECRET, [PROFILE_KEY_ID]: PROFILE_SECRET },
    service: 'bedrock',
    region: 'eu-west-1',
    respond: (request) =>
      request.rawPath.includes('stable-diffusion-xl')
        ? { status: 200, body: { result: 'success', artifacts: [{ seed: 7, base64: 'iVBORw0KGgo=', finishReason: 'SUCCESS' }] } }
        : { status: 200, body: { images: ['iVBORw0KGgo='] } },
  });
});

afterAll(async () => verifier.close());

beforeEach(async () => {
  savedEnv = { ...process.env };
  clearAwsCredentialCache();
  verifier.requests.length = 0;
  dir = await mkdtemp(join(tmpdir(), 'imagegate-bedrock-'));
});

afterEach(async () => {
  clearAwsCredentialCache();
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
  await rm(dir, { recursive: true, force: true });
});

function generate(params: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  return imageGeneration({ prompt: 'a lighthouse at dusk', api_base: verifier.url, num_retries: 0, ...params } as ImageGenerationParams & { stream?: false }, { env });
}

function lastVerdict() {
  const request = verifier.requests.at(-1)!;
  expect(request.verdict, JSON.stringify(request.verdict)).toMatchObject({ ok: true });
  return { request, verdict: request.verdict as Extract<typeof request.verdict, { ok: true }> };
}

describe('SigV4 signing, verified independently', () => {
  it.each([
    ['a model id with ":"', 'bedrock/amazon.nova-canvas-v1:0', '/model/amazon.nova-canvas-v1%3A0/invoke'],
    ['a cross-region inference profile', 'bedrock/us.amazon.titan-image-generator-v2:0', '/model/us.amazon.titan-image-generator-v2%3A0/invoke'],
    [
      'an inference-profile ARN',
      'bedrock/arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.amazon.nova-canvas-v1:0',
      '/model/arn%3Aaws%3Abedrock%3Aeu-west-1%3A123456789012%3Ainference-profile%2Feu.amazon.nova-canvas-v1%3A0/invoke',
    ],
  ])('signs %s so the verifier accepts it', async (_label, model, path) => {
    const result = await generate({ model, aws_access_key_id: KEY_ID, aws_secret_access_key: SECRET, aws_region_name: 'eu-west-1' });
    expect(result.data).toHaveLength(1);
    const { request, verdict } = lastVerdict();
    expect(request.rawPath).toBe(path);
    expect(verdict.accessKeyId).toBe(KEY_ID);
    expect(verdict.region).toBe('eu-west-1');
    expect(verdict.service).toBe('bedrock');
    expect(verdict.signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'content-type']));
    expect(request.headers['x-amz-security-token']).toBeUndefined();
  });

  it('signs temporary credentials with their session token', async () => {
    await generate({
      model: 'bedrock/amazon.nova-canvas-v1:0',
      aws_access_key_id: TEMP_KEY_ID,
      aws_secret_access_key: TEMP_SECRET,
      aws_session_token: SESSION_TOKEN,
      aws_region_name: 'eu-west-1',
    });
    const { verdict } = lastVerdict();
    expect(verdict.sessionToken).toBe(SESSION_TOKEN);
    expect(verdict.signedHeaders).toContain('x-amz-security-token');
  });

  it('a wrong secret is rejected by the verifier and surfaces as an AuthenticationError without the secret', async () => {
    const error = await generate({
      model: 'bedrock/amazon.nova-canvas-v1:0',
      aws_access_key_id: KEY_ID,
      aws_secret_access_key: 'not-the-secret-0123456789abcdef',
      aws_region_name: 'eu-west-1',
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImagegateError);
    expect((error as ImagegateError).name).toBe('AuthenticationError');
    expect((error as ImagegateError).code).toBe('InvalidSignatureException');
    expect((error as Error).message).not.toContain('not-the-secret-0123456789abcdef');
    expect(verifier.requests.at(-1)!.verdict.ok).toBe(false);
  });

  it('signing for the wrong region fails verification', async () => {
    await expect(
      generate({ model: 'bedrock/amazon.nova-canvas-v1:0', aws_access_key_id: KEY_ID, aws_secret_access_key: SECRET, aws_region_name: 'us-east-1' }),
    ).rejects.toMatchObject({ name: 'AuthenticationError' });
    expect(verifier.requests.at(-1)!.verdict).toMatchObject({ ok: false });
  });

  it("runs the seed's LiteLLM Bedrock example unchanged (keys and region from the environment)", async () => {
    const env = { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION_NAME: 'eu-west-1', AWS_BEDROCK_RUNTIME_ENDPOINT: verifier.url };
    const response = await imageGeneration({ prompt: 'A cute baby sea otter', model: 'bedrock/stability.stable-diffusion-xl-v0' }, { env });
    expect(response.data).toEqual([{ b64_json: 'iVBORw0KGgo=' }]);
    const { request } = lastVerdict();
    expect(request.rawPath).toBe('/model/stability.stable-diffusion-xl-v0/invoke');
    expect(request.json).toEqual({ text_prompts: [{ text: 'A cute baby sea otter', weight: 1 }] });
  });

  it('takes keys and region from the environment when no params are given', async () => {
    await generate({ model: 'bedrock/amazon.nova-canvas-v1:0' }, { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: 'eu-west-1' });
    expect(lastVerdict().verdict.accessKeyId).toBe(KEY_ID);
  });

  it('an api_key (Bedrock API key) is sent as a Bearer token instead of a signature', async () => {
    // The verifier only knows SigV4, so it refuses the call; what matters is what was sent.
    await generate({ model: 'bedrock/amazon.nova-canvas-v1:0', api_key: 'bedrock-api-key-0123456789', aws_access_key_id: KEY_ID, aws_secret_access_key: SECRET }).catch(
      () => undefined,
    );
    const request = verifier.requests.at(-1)!;
    expect(request.headers['authorization']).toBe('Bearer bedrock-api-key-0123456789');
    expect(request.headers['x-amz-date']).toBeUndefined();
    expect(request.json).not.toHaveProperty('aws_access_key_id');
  });

  it('AWS credential params never reach the body', async () => {
    await generate({ model: 'bedrock/amazon.nova-canvas-v1:0', aws_access_key_id: KEY_ID, aws_secret_access_key: SECRET, aws_region_name: 'eu-west-1' });
    const body = JSON.stringify(lastVerdict().request.json);
    expect(body).not.toMatch(/aws_|AKIA|secret/);
  });

  it('without a region anywhere, SigV4 fails before sending with a message saying where to set it', async () => {
    const error = await generate({ model: 'bedrock/amazon.nova-canvas-v1:0', aws_access_key_id: KEY_ID, aws_secret_access_key: SECRET }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImagegateError);
    expect((error as ImagegateError).code).toBe('missing_region');
    expect((error as Error).message).toMatch(/aws_region_name.*AWS_REGION_NAME.*AWS_REGION/);
    expect(verifier.requests).toHaveLength(0);
  });
});

describe('the AWS credential chain (shared files, container credentials)', () => {
  async function sharedFiles(): Promise<void> {
    const credentials = join(dir, 'credentials');
    const config = join(dir, 'config');
    await writeFile(credentials, `[default]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n\n[imagery]\naws_access_key_id = ${PROFILE_KEY_ID}\naws_secret_access_key = ${PROFILE_SECRET}\n`);
    await writeFile(config, '[default]\nregion = eu-west-1\n\n[profile imagery]\nregion = eu-west-1\n');
    process.env['AWS_SHARED_CREDENTIALS_FILE'] = credentials;
    process.env['AWS_CONFIG_FILE'] = config;
  }

  it('signs with the default profile and takes the region from it', async () => {
    await sharedFiles();
    await generate({ model: 'bedrock/stability.sd3-5-large-v1:0' }, { AWS_CONFIG_FILE: process.env['AWS_CONFIG_FILE'] });
    expect(lastVerdict().verdict.accessKeyId).toBe(KEY_ID);
  });

  it('aws_profile_name picks a named profile (keys and region)', async () => {
    await sharedFiles();
    await generate({ model: 'bedrock/stability.sd3-5-large-v1:0', aws_profile_name: 'imagery' }, { AWS_CONFIG_FILE: process.env['AWS_CONFIG_FILE'] });
    expect(lastVerdict().verdict.accessKeyId).toBe(PROFILE_KEY_ID);
  });

  it('a named profile that does not exist is an error, not a silent fall-through to other credentials', async () => {
    await sharedFiles();
    process.env['AWS_ACCESS_KEY_ID'] = KEY_ID;
    process.env['AWS_SECRET_ACCESS_KEY'] = SECRET;
    const error = await generate({ model: 'bedrock/stability.sd3-5-large-v1:0', aws_profile_name: 'nosuch', aws_region_name: 'eu-west-1' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AuthenticationError', code: 'missing_aws_credentials', param: 'aws_profile_name' });
    expect((error as Error).message).toContain('"nosuch"');
    expect(verifier.requests).toHaveLength(0);
  });

  it('a profile named in the call outranks keys from the environment, but not keys in the call', async () => {
    await sharedFiles();
    const env = { AWS_CONFIG_FILE: process.env['AWS_CONFIG_FILE'], AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET };
    await generate({ model: 'bedrock/stability.sd3-5-large-v1:0', aws_profile_name: 'imagery' }, env);
    expect(lastVerdict().verdict.accessKeyId).toBe(PROFILE_KEY_ID);
    await generate({ model: 'bedrock/stability.sd3-5-large-v1:0', aws_profile_name: 'imagery', aws_access_key_id: KEY_ID, aws_secret_access_key: SECRET }, env);
    expect(lastVerdict().verdict.accessKeyId).toBe(KEY_ID);
  });

  describe('container credentials', () => {
    let container: Server | undefined;
    let hits = 0;
    let lifetimeMs = 60 * 60 * 1000;

    beforeEach(async () => {
      hits = 0;
      container = createServer((req, res) => {
        hits++;
        if (req.headers.authorization !== 'container-token') {
          res.writeHead(401).end();
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ AccessKeyId: TEMP_KEY_ID, SecretAccessKey: TEMP_SECRET, Token: SESSION_TOKEN, Expiration: new Date(Date.now() + lifetimeMs).toISOString() }));
      });
      await new Promise<void>((resolve) => container!.listen(0, '127.0.0.1', resolve));
      const { port } = container.address() as { port: number };
      process.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] = `http://127.0.0.1:${port}/creds`;
      process.env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] = 'container-token';
    });

    afterEach(async () => {
      container?.closeAllConnections();
      await new Promise<void>((resolve) => container!.close(() => resolve()));
    });

    it('signs with temporary container credentials and reuses them until shortly before expiry', async () => {
      lifetimeMs = 60 * 60 * 1000;
      const params = { model: 'bedrock/amazon.titan-image-generator-v2:0', aws_region_name: 'eu-west-1' };
      await generate(params);
      await generate(params);
      expect(hits).toBe(1);
      const { verdict } = lastVerdict();
      expect(verdict.accessKeyId).toBe(TEMP_KEY_ID);
      expect(verdict.sessionToken).toBe(SESSION_TOKEN);
    });

    it('refreshes credentials that are about to expire', async () => {
      lifetimeMs = 4 * 60 * 1000; // inside the 5-minute refresh window: every call looks them up again
      const params = { model: 'bedrock/amazon.titan-image-generator-v2:0', aws_region_name: 'eu-west-1' };
      await generate(params);
      await generate(params);
      expect(hits).toBe(2);
      lastVerdict();
    });

    it('never sends container credentials in errors', async () => {
      verifier.requests.length = 0;
      const error = await generate({ model: 'bedrock/amazon.titan-image-generator-v2:0', aws_region_name: 'us-east-1' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImagegateError);
      expect((error as Error).message).not.toContain(TEMP_SECRET);
      expect((error as Error).message).not.toContain(SESSION_TOKEN);
    });
  });
});
