// AWS credential chain and shared-config region lookup, all offline: temp files and a 127.0.0.1 server.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearAwsCredentialCache, resolveAwsCredentials } from '../../src/auth/aws-credentials.js';
import { AuthenticationError } from '../../src/errors/classes.js';
import { regionFromAwsProfile } from '../../src/settings/aws-shared-config.js';

const CREDENTIALS_FILE = `[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = secret-default

[work]
aws_access_key_id = AKIDWORK
aws_secret_access_key = secret-work
aws_session_token = token-work
region = ap-south-1

[keysonly]
region = sa-east-1
`;

const CONFIG_FILE = `[default]
region = us-east-1

[profile work]
region = eu-west-1
`;

const CONTAINER_TOKEN = 'container-auth-token';

let savedEnv: NodeJS.ProcessEnv;
let dir: string;
let server: Server | undefined;

beforeEach(async () => {
  savedEnv = { ...process.env };
  clearAwsCredentialCache();
  dir = await mkdtemp(join(tmpdir(), 'imagegate-aws-'));
});

afterEach(async () => {
  clearAwsCredentialCache();
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
  if (server !== undefined) {
    const closing = server;
    server = undefined;
    closing.closeAllConnections();
    await new Promise<void>((resolve) => closing.close(() => resolve()));
  }
  await rm(dir, { recursive: true, force: true });
});

async function writeSharedFiles(): Promise<{ credentials: string; config: string }> {
  const credentials = join(dir, 'credentials');
  const config = join(dir, 'config');
  await writeFile(credentials, CREDENTIALS_FILE);
  await writeFile(config, CONFIG_FILE);
  return { credentials, config };
}

async function rejection(promise: Promise<unknown>): Promise<AuthenticationError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  return error as AuthenticationError;
}

/** A container credentials endpoint; each hit hands out a new key pair that expires an hour from now. */
async function startContainerEndpoint(delayMs = 0): Promise<{ hits: () => number; expiration: () => Date }> {
  let hits = 0;
  let expiration = new Date(0);
  server = createServer((req, res) => {
    if (req.url !== '/creds' || req.headers.authorization !== CONTAINER_TOKEN) {
      res.writeHead(401).end('{}');
      return;
    }
    hits += 1;
    expiration = new Date(Date.now() + 60 * 60 * 1000);
    const body = JSON.stringify({
      AccessKeyId: `AKIDCONTAINER${hits}`,
      SecretAccessKey: `secret-container-${hits}`,
      Token: `token-container-${hits}`,
      Expiration: expiration.toISOString(),
    });
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(body), delayMs);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `http://127.0.0.1:${port}/creds`;
  process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = CONTAINER_TOKEN;
  return { hits: () => hits, expiration: () => expiration };
}

describe('resolveAwsCredentials: explicit keys', () => {
  it('returns explicit keys without consulting the chain', async () => {
    const endpoint = await startContainerEndpoint();
    const credentials = await resolveAwsCredentials({ accessKeyId: 'AKIDEXPLICIT', secretAccessKey: 'secret-explicit', sessionToken: 'tok' });
    expect(credentials).toEqual({ accessKeyId: 'AKIDEXPLICIT', secretAccessKey: 'secret-explicit', sessionToken: 'tok' });
    expect(endpoint.hits()).toBe(0);
  });

  it('names the missing half of a key pair and never echoes the half that was given', async () => {
    const noSecret = await rejection(resolveAwsCredentials({ accessKeyId: 'AKIDONLYHALF' }));
    expect(noSecret.message).toMatch(/^aws_secret_access_key is missing/);
    expect(noSecret.message).toContain('Pass both aws_access_key_id and aws_secret_access_key');
    expect(noSecret.message).not.toContain('AKIDONLYHALF');
    expect(noSecret.param).toBe('aws_secret_access_key');

    const noKeyId = await rejection(resolveAwsCredentials({ secretAccessKey: 'super-secret-value' }));
    expect(noKeyId.message).toMatch(/^aws_access_key_id is missing/);
    expect(noKeyId.message).not.toContain('super-secret-value');
    expect(noKeyId.param).toBe('aws_access_key_id');
  });
});

describe('resolveAwsCredentials: shared files', () => {
  it('resolves the default profile and a named profile to their own keys', async () => {
    const files = await writeSharedFiles();
    process.env.AWS_SHARED_CREDENTIALS_FILE = files.credentials;
    process.env.AWS_CONFIG_FILE = files.config;

    expect(await resolveAwsCredentials({})).toEqual({ accessKeyId: 'AKIDDEFAULT', secretAccessKey: 'secret-default' });
    expect(await resolveAwsCredentials({ profile: 'work' })).toEqual({
      accessKeyId: 'AKIDWORK',
      secretAccessKey: 'secret-work',
      sessionToken: 'token-work',
    });
  });

  it('caches credentials without expiration until the cache is cleared, then re-reads the files', async () => {
    const files = await writeSharedFiles();
    process.env.AWS_SHARED_CREDENTIALS_FILE = files.credentials;
    process.env.AWS_CONFIG_FILE = files.config;
    expect((await resolveAwsCredentials({})).accessKeyId).toBe('AKIDDEFAULT');

    await writeFile(files.credentials, '[default]\naws_access_key_id = AKIDROTATED\naws_secret_access_key = secret-rotated\n');
    expect((await resolveAwsCredentials({})).accessKeyId).toBe('AKIDDEFAULT');
    clearAwsCredentialCache();
    expect((await resolveAwsCredentials({})).accessKeyId).toBe('AKIDROTATED');
  });
});

describe('resolveAwsCredentials: container credentials', () => {
  it('serves from cache, then refreshes within 5 minutes of expiration', async () => {
    const endpoint = await startContainerEndpoint();
    let clock = Date.now();
    const now = () => clock;

    const first = await resolveAwsCredentials({}, { now });
    expect(first).toEqual({
      accessKeyId: 'AKIDCONTAINER1',
      secretAccessKey: 'secret-container-1',
      sessionToken: 'token-container-1',
      expiration: endpoint.expiration(),
    });
    expect(endpoint.hits()).toBe(1);

    expect((await resolveAwsCredentials({}, { now })).accessKeyId).toBe('AKIDCONTAINER1');
    expect(endpoint.hits()).toBe(1);

    clock = endpoint.expiration().getTime() - 6 * 60 * 1000;
    expect((await resolveAwsCredentials({}, { now })).accessKeyId).toBe('AKIDCONTAINER1');
    expect(endpoint.hits()).toBe(1);

    clock = endpoint.expiration().getTime() - 4 * 60 * 1000;
    const refreshed = await resolveAwsCredentials({}, { now });
    expect(endpoint.hits()).toBe(2);
    expect(refreshed.accessKeyId).toBe('AKIDCONTAINER2');
    expect(refreshed.sessionToken).toBe('token-container-2');
  });

  it('shares one lookup between concurrent callers', async () => {
    const endpoint = await startContainerEndpoint(50);
    const results = await Promise.all(Array.from({ length: 5 }, () => resolveAwsCredentials({})));
    expect(endpoint.hits()).toBe(1);
    expect(new Set(results.map((credentials) => credentials.accessKeyId))).toEqual(new Set(['AKIDCONTAINER1']));
  });
});

describe('resolveAwsCredentials: nothing available', () => {
  it('fails fast with missing_aws_credentials and a fix hint', async () => {
    const started = Date.now();
    const error = await rejection(resolveAwsCredentials({}, { providerLabel: 'Example Images' }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.code).toBe('missing_aws_credentials');
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/^AWS credentials not found for Example Images \(profile default\): /);
    expect(error.message).toContain('set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or configure a profile');
  });

  it('names the profile it looked for and does not cache the failure', async () => {
    const error = await rejection(resolveAwsCredentials({ profile: 'work' }));
    expect(error.message).toContain('"work"');

    const files = await writeSharedFiles();
    process.env.AWS_SHARED_CREDENTIALS_FILE = files.credentials;
    process.env.AWS_CONFIG_FILE = files.config;
    expect((await resolveAwsCredentials({ profile: 'work' })).accessKeyId).toBe('AKIDWORK');
  });
});

describe('regionFromAwsProfile', () => {
  async function env(): Promise<NodeJS.ProcessEnv> {
    const files = await writeSharedFiles();
    return { AWS_SHARED_CREDENTIALS_FILE: files.credentials, AWS_CONFIG_FILE: files.config };
  }

  it('reads the default profile region', async () => {
    expect(await regionFromAwsProfile(undefined, await env())).toBe('us-east-1');
  });

  it('reads a named profile from its [profile name] section, before the credentials file', async () => {
    expect(await regionFromAwsProfile('work', await env())).toBe('eu-west-1');
  });

  it('falls back to the credentials file', async () => {
    expect(await regionFromAwsProfile('keysonly', await env())).toBe('sa-east-1');
  });

  it('takes the profile from AWS_PROFILE in the given env', async () => {
    expect(await regionFromAwsProfile(undefined, { ...(await env()), AWS_PROFILE: 'work' })).toBe('eu-west-1');
  });

  it('defaults to <HOME>/.aws/config', async () => {
    await mkdir(join(dir, '.aws'));
    await writeFile(join(dir, '.aws', 'config'), '[profile home]\nregion = ca-central-1\n');
    expect(await regionFromAwsProfile('home', { HOME: dir })).toBe('ca-central-1');
  });

  it('returns undefined for missing files or an unknown profile', async () => {
    const missing = { AWS_SHARED_CREDENTIALS_FILE: join(dir, 'nope', 'credentials'), AWS_CONFIG_FILE: join(dir, 'nope', 'config') };
    expect(await regionFromAwsProfile(undefined, missing)).toBeUndefined();
    expect(await regionFromAwsProfile('unknown', await env())).toBeUndefined();
  });
});
