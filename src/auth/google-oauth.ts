// Google OAuth access tokens: explicit credentials (a key file path or its JSON text), else
// GOOGLE_APPLICATION_CREDENTIALS, else Application Default Credentials. Cached per credential and scopes until
// shortly before expiry; concurrent callers share one refresh. google-auth-library is only loaded on first use.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import type { AuthClient, JWTInput } from 'google-auth-library';
import { AuthenticationError } from '../errors/classes.js';
import { redactSecrets } from '../errors/redact.js';
import { ExpiringCache } from './expiring-cache.js';
import { loadGoogleAuthLibrary } from './load-google-auth-library.js';

export interface GoogleAccessToken {
  token: string;
  /** ms epoch, on the caller's clock (options.now). */
  expiresAt?: number;
  projectId?: string;
}

export interface GoogleCredentialSource {
  /** vertex_credentials: a path to a service-account/authorized-user JSON file, or the JSON text itself */
  credentials?: string;
  scopes?: readonly string[];
}

export interface GoogleAccessTokenOptions {
  now?: () => number;
  env?: NodeJS.ProcessEnv;
  providerLabel?: string;
}

const DEFAULT_SCOPES: readonly string[] = ['https://www.googleapis.com/auth/cloud-platform'];
/** A cached token is replaced once it is this close to expiry (also the library's own eager-refresh default). */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;
/** Where google-auth-library 10 sends every service-account grant and authorized-user refresh. */
const LIBRARY_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const PEM_BLOCK = /-----BEGIN [A-Z ]+-----[\s\S]*?(?:-----END [A-Z ]+-----|$)/g;
const FIX_HINT =
  'Pass vertex_credentials (a service-account key file path or its JSON text), set GOOGLE_APPLICATION_CREDENTIALS, or run `gcloud auth application-default login`.';

type KeyCredential = { kind: 'json'; text: string; origin: string } | { kind: 'file'; path: string; given: string; origin: string };
type Credential = KeyCredential | { kind: 'adc' };

type KeyJson = Record<string, unknown>;

/** Tokens without a known expiry are not kept. */
const tokens = new ExpiringCache<GoogleAccessToken>({
  expiresAt: (token) => token.expiresAt,
  refreshBeforeExpiryMs: REFRESH_BEFORE_EXPIRY_MS,
  keepWithoutExpiry: false,
});
/** Reading a key file, or asking ADC for its project, per call would put I/O on every request. */
const projects = new Map<string, Promise<string | undefined>>();

export function clearGoogleTokenCache(): void {
  tokens.clear();
  projects.clear();
}

export async function googleAccessToken(source: GoogleCredentialSource, options: GoogleAccessTokenOptions = {}): Promise<GoogleAccessToken> {
  const now = options.now ?? Date.now;
  const scopes = source.scopes !== undefined && source.scopes.length > 0 ? [...source.scopes] : [...DEFAULT_SCOPES];
  const credential = locate(source, options.env ?? process.env);
  const label = options.providerLabel ?? 'this request';
  return { ...(await tokens.get(cacheKey(credential, scopes), now, () => mint(credential, scopes, label, now))) };
}

/** The project id the credentials name (service account key project_id, or ADC's project), or undefined. */
export async function googleCredentialsProject(source: GoogleCredentialSource, options: { env?: NodeJS.ProcessEnv } = {}): Promise<string | undefined> {
  const credential = locate(source, options.env ?? process.env);
  const key = cacheKey(credential, []);
  let project = projects.get(key);
  if (project === undefined) {
    project = projectOf(credential);
    projects.set(key, project);
    project.catch(() => projects.delete(key));
  }
  return project;
}

async function projectOf(credential: Credential): Promise<string | undefined> {
  if (credential.kind !== 'adc') {
    const json = await loadKey(credential, 'this request');
    return text(json.project_id) ?? text(json.quota_project_id);
  }
  const { GoogleAuth } = await loadGoogleAuthLibrary();
  try {
    return text(await new GoogleAuth().getProjectId());
  } catch {
    return undefined;
  }
}

function locate(source: GoogleCredentialSource, env: NodeJS.ProcessEnv): Credential {
  const given = source.credentials?.trim();
  if (given) {
    return given.startsWith('{')
      ? { kind: 'json', text: given, origin: 'vertex_credentials' }
      : { kind: 'file', path: resolvePath(given), given, origin: 'vertex_credentials' };
  }
  const envPath = env.GOOGLE_APPLICATION_CREDENTIALS?.trim();
  if (envPath) return { kind: 'file', path: resolvePath(envPath), given: envPath, origin: 'GOOGLE_APPLICATION_CREDENTIALS' };
  return { kind: 'adc' };
}

function cacheKey(credential: Credential, scopes: readonly string[]): string {
  const material = credential.kind === 'json' ? credential.text : credential.kind === 'file' ? credential.path : '';
  return createHash('sha256').update(`${credential.kind}\0${material}\0${scopes.join(' ')}`).digest('hex');
}

async function mint(credential: Credential, scopes: string[], label: string, now: () => number): Promise<GoogleAccessToken> {
  const json = credential.kind === 'adc' ? undefined : await loadKey(credential, label);
  const { GoogleAuth } = await loadGoogleAuthLibrary();
  // A fresh client per refresh: the library's own token cache runs on the real clock and would hide ours.
  const auth = json === undefined ? new GoogleAuth({ scopes }) : new GoogleAuth({ credentials: json as JWTInput, scopes });
  try {
    const client = await auth.getClient();
    if (json !== undefined && credential.kind !== 'adc') honourTokenUri(client, json, credential, label);
    const { token } = await client.getAccessToken();
    if (!token) throw new Error('the token endpoint returned no access token');
    const expiry = client.credentials.expiry_date;
    const projectId = text(json?.project_id) ?? text(client.projectId);
    return {
      token,
      // The library stamps expiry on the real clock; keep the remaining lifetime, on the caller's clock.
      ...(typeof expiry === 'number' ? { expiresAt: now() + (expiry - Date.now()) } : {}),
      ...(projectId !== undefined ? { projectId } : {}),
    };
  } catch (error) {
    if (error instanceof AuthenticationError) throw error;
    const secrets = ['private_key', 'private_key_id', 'client_secret', 'refresh_token'].map((field) => text(json?.[field]));
    const message = error instanceof Error ? error.message : String(error);
    const reason = redactSecrets(message.replace(PEM_BLOCK, '[REDACTED]'), secrets).trim().replace(/\.$/, '');
    // No `cause`: the library's error carries the request, whose body is the signed assertion.
    throw new AuthenticationError(`Google authentication failed for ${label}: ${reason}. ${FIX_HINT}`, { code: 'google_auth_failed' });
  }
}

/**
 * google-auth-library 10 ignores a service-account key's token_uri: its built-in gtoken
 * (build/src/gtoken/getToken.js) always posts the JWT grant to the fixed https://oauth2.googleapis.com/token,
 * and authorized-user refreshes go to the same URL. Both are sent through the client's own gaxios instance
 * (`client.transporter`, which JWT hands to GoogleToken as its transporter), so a request interceptor there
 * redirects exactly that request to the key's token_uri; the grant itself stays the library's.
 */
function honourTokenUri(client: AuthClient, json: KeyJson, credential: KeyCredential, label: string): void {
  const tokenUri = text(json.token_uri);
  if (tokenUri === undefined) return;
  let target: URL;
  try {
    target = new URL(tokenUri);
  } catch {
    throw invalid(credential, label, 'has a token_uri that is not a URL', 'Fix token_uri in the key file or remove it.');
  }
  if (target.href === LIBRARY_TOKEN_URL) return;
  client.transporter.interceptors.request.add({
    resolved: async (request) => {
      if (request.url.href === LIBRARY_TOKEN_URL) request.url = new URL(target.href);
      return request;
    },
  });
}

async function loadKey(credential: KeyCredential, label: string): Promise<KeyJson> {
  let content = credential.kind === 'json' ? credential.text : '';
  if (credential.kind === 'file') {
    try {
      content = await readFile(credential.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw invalid(credential, label, `names a file that could not be read (${code})`, 'Point it at a service-account or authorized-user JSON key file, or pass the JSON text itself.');
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    parsed = undefined; // The parser's message quotes the text, which may be key material.
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid(credential, label, 'is not a valid JSON key', 'Use the JSON key file downloaded from Google Cloud (service account or authorized user), unchanged.');
  }
  return parsed as KeyJson;
}

function invalid(credential: KeyCredential, label: string, problem: string, fix: string): AuthenticationError {
  const what =
    credential.kind === 'json'
      ? `The Google credentials JSON in ${credential.origin}`
      : `The Google credentials file ${showPath(credential.given)} (from ${credential.origin})`;
  return new AuthenticationError(`${what} for ${label} ${problem}. ${fix}`, {
    code: 'invalid_google_credentials',
    ...(credential.origin === 'vertex_credentials' ? { param: 'vertex_credentials' } : {}),
  });
}

/** A path is shown; anything that does not look like one (a pasted key?) is not. */
function showPath(given: string): string {
  return given.length > 512 || /[\r\n]|PRIVATE KEY/.test(given) ? '(value not shown: it does not look like a file path)' : `"${given}"`;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
