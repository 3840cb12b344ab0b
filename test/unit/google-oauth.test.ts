// Google service-account tokens, all offline: a generated RSA key and a 127.0.0.1 token endpoint that
// verifies the library's signed JWT grant, reached only because the key's token_uri is honoured.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearGoogleTokenCache, googleAccessToken, googleCredentialsProject } from '../../src/auth/google-oauth.js';
import { AuthenticationError } from '../../src/errors/classes.js';
import { LIBRARY_AUD, rsaKeyPair, startGoogleTokenServer, type GoogleTokenServer } from '../helpers/google-token-server.js';

const stranger = rsaKeyPair();

let savedEnv: NodeJS.ProcessEnv;
let dir: string;
let tokenServer: GoogleTokenServer;
let clock: number;
const now = (): number => clock;

function serviceAccountKey(privatePem?: string): string {
  return tokenServer.serviceAccountJson('test-project', privatePem);
}

beforeEach(async () => {
  savedEnv = { ...process.env };
  clearGoogleTokenCache();
  dir = await mkdtemp(join(tmpdir(), 'imagegate-google-'));
  clock = 1_800_000_000_000;
  tokenServer = await startGoogleTokenServer({ tokenPrefix: 'tok-' });
});

afterEach(async () => {
  clearGoogleTokenCache();
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
  await tokenServer.close();
  await rm(dir, { recursive: true, force: true });
});

async function keyFile(content = serviceAccountKey()): Promise<string> {
  const path = join(dir, 'key.json');
  await writeFile(path, content);
  return path;
}

describe('googleAccessToken', () => {
  it('gets a token from the key’s token_uri when the key is given as JSON text', async () => {
    const token = await googleAccessToken({ credentials: serviceAccountKey() }, { now });
    expect(token).toEqual({ token: 'tok-1', expiresAt: expect.any(Number), projectId: 'test-project' });
    expect(token.expiresAt! - clock).toBeGreaterThan(3590_000);
    expect(token.expiresAt! - clock).toBeLessThanOrEqual(3600_000);
    expect(tokenServer.grants()).toBe(1);
    expect(tokenServer.claims[0]?.aud).toBe(LIBRARY_AUD);
  });

  it('gets a token when the key is given as a file path', async () => {
    const token = await googleAccessToken({ credentials: await keyFile() }, { now });
    expect(token.token).toBe('tok-1');
    expect(tokenServer.grants()).toBe(1);
  });

  it('gets a token from GOOGLE_APPLICATION_CREDENTIALS', async () => {
    process.env.GOOGLE_APPLICATION_CREDENTIALS = await keyFile();
    const token = await googleAccessToken({}, { now });
    expect(token.token).toBe('tok-1');
    expect(tokenServer.grants()).toBe(1);
  });

  it('reuses the token, then refreshes it once the clock nears expiry', async () => {
    const credentials = serviceAccountKey();
    const first = await googleAccessToken({ credentials }, { now });
    clock += 10 * 60 * 1000;
    expect((await googleAccessToken({ credentials }, { now })).token).toBe('tok-1');
    expect(tokenServer.grants()).toBe(1);

    clock = first.expiresAt! - 4 * 60 * 1000;
    const refreshed = await googleAccessToken({ credentials }, { now });
    expect(refreshed.token).toBe('tok-2');
    expect(tokenServer.grants()).toBe(2);
  });

  it('caches per scope set', async () => {
    const credentials = serviceAccountKey();
    await googleAccessToken({ credentials }, { now });
    const scopes = ['https://www.googleapis.com/auth/cloud-platform', 'https://www.googleapis.com/auth/userinfo.email'];
    expect((await googleAccessToken({ credentials, scopes }, { now })).token).toBe('tok-2');
    expect(tokenServer.claims[1]?.scope).toBe(scopes.join(' '));
  });

  it('shares one refresh among concurrent callers', async () => {
    const credentials = serviceAccountKey();
    const tokens = await Promise.all(Array.from({ length: 5 }, () => googleAccessToken({ credentials }, { now })));
    expect(tokenServer.grants()).toBe(1);
    expect(tokens.map((token) => token.token)).toEqual(Array(5).fill('tok-1'));
  });

  it('turns a refused grant into google_auth_failed without key material, and does not cache it', async () => {
    const credentials = serviceAccountKey(stranger.privatePem);
    const error = await googleAccessToken({ credentials }, { now }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe('google_auth_failed');
    const message = (error as AuthenticationError).message;
    expect(message).toContain('invalid_grant');
    expect(message).not.toContain('PRIVATE KEY');
    expect(message).not.toContain(stranger.privatePem.split('\n')[1]);
    expect(tokenServer.rejected).toEqual(['Invalid JWT Signature']);
    expect(tokenServer.grants()).toBe(0);

    await expect(googleAccessToken({ credentials }, { now })).rejects.toThrow(AuthenticationError);
    expect(tokenServer.rejected).toHaveLength(2);
  });

  it('reports a missing key file as an AuthenticationError', async () => {
    const missing = join(dir, 'nope.json');
    const error = await googleAccessToken({ credentials: missing }, { now }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe('invalid_google_credentials');
    expect((error as AuthenticationError).message).toContain(missing);
    expect((error as AuthenticationError).message).toContain('ENOENT');
  });

  it('reports bad JSON text without echoing it', async () => {
    const credentials = `{"private_key": "${tokenServer.privatePem.slice(0, 80)}`;
    const error = await googleAccessToken({ credentials }, { now }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).message).toContain('not a valid JSON key');
    expect((error as AuthenticationError).message).not.toContain('PRIVATE KEY');
  });
});

describe('googleCredentialsProject', () => {
  it('returns the key’s project_id from JSON text, a file, or GOOGLE_APPLICATION_CREDENTIALS', async () => {
    expect(await googleCredentialsProject({ credentials: serviceAccountKey() })).toBe('test-project');
    const path = await keyFile();
    expect(await googleCredentialsProject({ credentials: path })).toBe('test-project');
    expect(await googleCredentialsProject({}, { env: { GOOGLE_APPLICATION_CREDENTIALS: path } })).toBe('test-project');
    expect(tokenServer.grants()).toBe(0);
  });
});
