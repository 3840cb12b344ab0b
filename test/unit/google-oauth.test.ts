// Google service-account tokens, all offline: a generated RSA key and a 127.0.0.1 token endpoint that
// verifies the library's signed JWT grant, reached only because the key's token_uri is honoured.
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearGoogleTokenCache, googleAccessToken, googleCredentialsProject } from '../../src/auth/google-oauth.js';
import { AuthenticationError } from '../../src/errors/classes.js';

/** google-auth-library 10 always puts Google's token URL in `aud`, whatever the key's token_uri. */
const LIBRARY_AUD = 'https://oauth2.googleapis.com/token';
const CLIENT_EMAIL = 'imagegate-test@test-project.iam.gserviceaccount.com';

function keyPair(): { privatePem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

const trusted = keyPair();
const stranger = keyPair();

let savedEnv: NodeJS.ProcessEnv;
let dir: string;
let server: Server;
let tokenUri: string;
let grants: number;
let rejected: string[];
let claims: Record<string, unknown>[];
let clock: number;
const now = (): number => clock;

function serviceAccountKey(privatePem = trusted.privatePem): string {
  return JSON.stringify({
    type: 'service_account',
    project_id: 'test-project',
    private_key_id: 'key-id-0123456789',
    private_key: privatePem,
    client_email: CLIENT_EMAIL,
    client_id: '1234567890',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
  });
}

/** Why the grant is refused, or undefined when it is good. */
function checkGrant(body: string): string | undefined {
  const form = new URLSearchParams(body);
  if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return 'wrong grant_type';
  const [header, payload, signature] = (form.get('assertion') ?? '').split('.');
  if (header === undefined || payload === undefined || signature === undefined) return 'malformed assertion';
  if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'RS256') return 'not RS256';
  const signed = verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), trusted.publicKey, Buffer.from(signature, 'base64url'));
  if (!signed) return 'Invalid JWT Signature';
  const jwt = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  claims.push(jwt);
  const nowSeconds = Date.now() / 1000;
  if (jwt.iss !== CLIENT_EMAIL) return 'wrong iss';
  if (typeof jwt.scope !== 'string' || !jwt.scope.split(' ').includes('https://www.googleapis.com/auth/cloud-platform')) return 'wrong scope';
  if (jwt.aud !== LIBRARY_AUD) return `wrong aud ${String(jwt.aud)}`;
  if (typeof jwt.iat !== 'number' || typeof jwt.exp !== 'number') return 'no iat/exp';
  if (jwt.exp - jwt.iat > 3600 || jwt.exp <= nowSeconds || Math.abs(jwt.iat - nowSeconds) > 300) return 'bad iat/exp';
  return undefined;
}

beforeEach(async () => {
  savedEnv = { ...process.env };
  clearGoogleTokenCache();
  dir = await mkdtemp(join(tmpdir(), 'imagegate-google-'));
  grants = 0;
  rejected = [];
  claims = [];
  clock = 1_800_000_000_000;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const problem = req.method === 'POST' && req.url === '/token' ? checkGrant(body) : 'wrong method or path';
      res.setHeader('content-type', 'application/json');
      if (problem !== undefined) {
        rejected.push(problem);
        res.statusCode = 400;
        res.end(JSON.stringify({ error: 'invalid_grant', error_description: problem }));
        return;
      }
      grants += 1;
      res.end(JSON.stringify({ access_token: `tok-${grants}`, expires_in: 3600, token_type: 'Bearer' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tokenUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});

afterEach(async () => {
  clearGoogleTokenCache();
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
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
    expect(grants).toBe(1);
    expect(claims[0]?.aud).toBe(LIBRARY_AUD);
  });

  it('gets a token when the key is given as a file path', async () => {
    const token = await googleAccessToken({ credentials: await keyFile() }, { now });
    expect(token.token).toBe('tok-1');
    expect(grants).toBe(1);
  });

  it('gets a token from GOOGLE_APPLICATION_CREDENTIALS', async () => {
    process.env.GOOGLE_APPLICATION_CREDENTIALS = await keyFile();
    const token = await googleAccessToken({}, { now });
    expect(token.token).toBe('tok-1');
    expect(grants).toBe(1);
  });

  it('reuses the token, then refreshes it once the clock nears expiry', async () => {
    const credentials = serviceAccountKey();
    const first = await googleAccessToken({ credentials }, { now });
    clock += 10 * 60 * 1000;
    expect((await googleAccessToken({ credentials }, { now })).token).toBe('tok-1');
    expect(grants).toBe(1);

    clock = first.expiresAt! - 4 * 60 * 1000;
    const refreshed = await googleAccessToken({ credentials }, { now });
    expect(refreshed.token).toBe('tok-2');
    expect(grants).toBe(2);
  });

  it('caches per scope set', async () => {
    const credentials = serviceAccountKey();
    await googleAccessToken({ credentials }, { now });
    const scopes = ['https://www.googleapis.com/auth/cloud-platform', 'https://www.googleapis.com/auth/userinfo.email'];
    expect((await googleAccessToken({ credentials, scopes }, { now })).token).toBe('tok-2');
    expect(claims[1]?.scope).toBe(scopes.join(' '));
  });

  it('shares one refresh among concurrent callers', async () => {
    const credentials = serviceAccountKey();
    const tokens = await Promise.all(Array.from({ length: 5 }, () => googleAccessToken({ credentials }, { now })));
    expect(grants).toBe(1);
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
    expect(rejected).toEqual(['Invalid JWT Signature']);
    expect(grants).toBe(0);

    await expect(googleAccessToken({ credentials }, { now })).rejects.toThrow(AuthenticationError);
    expect(rejected).toHaveLength(2);
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
    const credentials = `{"private_key": "${trusted.privatePem.slice(0, 80)}`;
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
    expect(grants).toBe(0);
  });
});
