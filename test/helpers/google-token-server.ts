// A Google OAuth token endpoint on 127.0.0.1 for tests: it verifies the service-account JWT grant (RS256
// signature with the key's public half, iss, scope, aud, iat/exp) and issues short-lived tokens.
import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** google-auth-library 10 always puts Google's token URL in `aud`, whatever the key's token_uri. */
export const LIBRARY_AUD = 'https://oauth2.googleapis.com/token';
export const CLIENT_EMAIL = 'imagegate-test@test-project.iam.gserviceaccount.com';

export interface GoogleTokenServer {
  tokenUri: string;
  /** The PEM of the key the server trusts. */
  privatePem: string;
  /** A service-account key (JSON text) whose token_uri is this server; signed with another key, its grants are refused. */
  serviceAccountJson(projectId?: string, privatePem?: string): string;
  grants(): number;
  /** Why each refused grant was refused. */
  rejected: string[];
  /** The claims of every assertion whose signature verified. */
  claims: Record<string, unknown>[];
  close(): Promise<void>;
}

export function rsaKeyPair(): { privatePem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
}

function checkGrant(body: string, publicKey: KeyObject, claims: Record<string, unknown>[]): string | undefined {
  const form = new URLSearchParams(body);
  if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return 'wrong grant_type';
  const [header, payload, signature] = (form.get('assertion') ?? '').split('.');
  if (header === undefined || payload === undefined || signature === undefined) return 'malformed assertion';
  if (!verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'))) return 'Invalid JWT Signature';
  const jwt = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  claims.push(jwt);
  const nowSeconds = Date.now() / 1000;
  if (jwt['iss'] !== CLIENT_EMAIL) return 'wrong iss';
  if (typeof jwt['scope'] !== 'string' || !jwt['scope'].split(' ').includes('https://www.googleapis.com/auth/cloud-platform')) return 'wrong scope';
  if (jwt['aud'] !== LIBRARY_AUD) return 'wrong aud';
  const iat = jwt['iat'];
  const exp = jwt['exp'];
  if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > 3600 || exp <= nowSeconds || Math.abs(iat - nowSeconds) > 300) return 'bad iat/exp';
  return undefined;
}

export async function startGoogleTokenServer(options: { tokenPrefix?: string } = {}): Promise<GoogleTokenServer> {
  const { privatePem, publicKey } = rsaKeyPair();
  const tokenPrefix = options.tokenPrefix ?? 'ya29.test-token-';
  let grants = 0;
  const rejected: string[] = [];
  const claims: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const problem = req.method === 'POST' && req.url === '/token' ? checkGrant(body, publicKey, claims) : 'wrong method or path';
      res.setHeader('content-type', 'application/json');
      if (problem !== undefined) {
        rejected.push(problem);
        res.statusCode = 400;
        res.end(JSON.stringify({ error: 'invalid_grant', error_description: problem }));
        return;
      }
      grants += 1;
      res.end(JSON.stringify({ access_token: `${tokenPrefix}${grants}`, expires_in: 3600, token_type: 'Bearer' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const tokenUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  return {
    tokenUri,
    privatePem,
    serviceAccountJson: (projectId = 'test-project', keyPem = privatePem) =>
      JSON.stringify({
        type: 'service_account',
        project_id: projectId,
        private_key_id: 'key-id-0123456789',
        private_key: keyPem,
        client_email: CLIENT_EMAIL,
        client_id: '1234567890',
        token_uri: tokenUri,
      }),
    grants: () => grants,
    rejected,
    claims,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
