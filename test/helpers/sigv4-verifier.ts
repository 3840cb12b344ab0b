// An AWS Signature Version 4 verifier for tests, written from the published algorithm with node:crypto only,
// so it stays independent of the signing library under test. Canonicalisation follows the non-S3 rules the
// AWS SDKs use (e.g. for `bedrock`): the path is URI-encoded a second time and not normalised.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface SignedRequest {
  method: string;
  /** Path exactly as received, still percent-encoded, without the query. */
  rawPath: string;
  /** Raw query string without '?', may be ''. */
  query: string;
  /** Lower-case header names, as node gives them. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface VerifyOptions {
  service?: string;
  region?: string;
  now?: Date;
  maxSkewMs?: number;
}

export type SigV4Verdict =
  | {
      ok: true;
      accessKeyId: string;
      region: string;
      service: string;
      sessionToken?: string;
      signedHeaders: string[];
      canonicalRequest: string;
    }
  | { ok: false; reason: string; canonicalRequest?: string };

const ALGORITHM = 'AWS4-HMAC-SHA256';

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding: everything but A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex, UTF-8 bytes). */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function canonicalUri(rawPath: string): string {
  if (rawPath === '') return '/';
  return rawPath.split('/').map(uriEncode).join('/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq === -1 ? part : part.slice(0, eq);
      const value = eq === -1 ? '' : part.slice(eq + 1);
      return [uriEncode(decodeURIComponent(name)), uriEncode(decodeURIComponent(value))] as const;
    });
  // Byte order of the encoded strings; they are ASCII, so code-unit comparison is byte comparison.
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  pairs.sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function parseAuthorization(value: string):
  | { accessKeyId: string; date: string; region: string; service: string; signedHeaders: string[]; signature: string }
  | string {
  if (!value.startsWith(`${ALGORITHM} `)) return `Authorization must start with "${ALGORITHM} "`;
  const fields = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) return `malformed Authorization component "${part.trim()}"`;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    return 'Authorization needs Credential, SignedHeaders and Signature';
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || scope.some((p) => p === '')) {
    return `malformed Credential "${credential}"`;
  }
  const [accessKeyId, date, region, service] = scope as [string, string, string, string];
  if (!/^\d{8}$/.test(date)) return `malformed credential date "${date}"`;
  if (!/^[0-9a-f]{64}$/.test(signature)) return 'Signature must be 64 lower-case hex digits';
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

export function verifySigV4(request: SignedRequest, keys: Record<string, string>, options: VerifyOptions = {}): SigV4Verdict {
  const fail = (reason: string, canonicalRequest?: string): SigV4Verdict =>
    canonicalRequest === undefined ? { ok: false, reason } : { ok: false, reason, canonicalRequest };

  const authorization = headerValue(request.headers, 'authorization');
  if (authorization === undefined) return fail('missing Authorization header');
  const auth = parseAuthorization(authorization);
  if (typeof auth === 'string') return fail(auth);

  if (options.service !== undefined && auth.service !== options.service) {
    return fail(`credential scope service "${auth.service}" is not "${options.service}"`);
  }
  if (options.region !== undefined && auth.region !== options.region) {
    return fail(`credential scope region "${auth.region}" is not "${options.region}"`);
  }
  const secret = Object.hasOwn(keys, auth.accessKeyId) ? keys[auth.accessKeyId] : undefined;
  if (secret === undefined) return fail(`unknown access key "${auth.accessKeyId}"`);

  const amzDate = headerValue(request.headers, 'x-amz-date');
  if (amzDate === undefined) return fail('missing x-amz-date header');
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) return fail(`malformed x-amz-date "${amzDate}"`);
  if (amzDate.slice(0, 8) !== auth.date) return fail(`x-amz-date ${amzDate} does not match credential date ${auth.date}`);
  const skew = Math.abs((options.now ?? new Date()).getTime() - signedAt.getTime());
  if (skew > (options.maxSkewMs ?? 5 * 60_000)) return fail(`x-amz-date ${amzDate} is ${skew} ms away from now`);

  const signed = auth.signedHeaders;
  if (signed.some((name) => name !== name.toLowerCase())) return fail('SignedHeaders must be lower-case');
  if (signed.join(';') !== [...signed].sort().join(';')) return fail('SignedHeaders must be sorted');
  if (!signed.includes('host')) return fail('host is not a signed header');
  const sessionToken = headerValue(request.headers, 'x-amz-security-token');
  if (sessionToken !== undefined && !signed.includes('x-amz-security-token')) {
    return fail('x-amz-security-token is present but not signed');
  }
  const missing = signed.filter((name) => headerValue(request.headers, name) === undefined);
  if (missing.length > 0) return fail(`signed headers missing from the request: ${missing.join(', ')}`);

  const bodyHash = sha256Hex(request.body);
  const declaredHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== bodyHash) {
    return fail(`x-amz-content-sha256 ${declaredHash} is not the body's hash ${bodyHash}`);
  }

  let query: string;
  try {
    query = canonicalQuery(request.query);
  } catch {
    return fail(`malformed percent-encoding in query "${request.query}"`);
  }
  const canonicalHeaders = signed
    .map((name) => `${name}:${headerValue(request.headers, name)!.trim().replace(/ +/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(request.rawPath),
    query,
    canonicalHeaders,
    signed.join(';'),
    declaredHash ?? bodyHash,
  ].join('\n');

  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${secret}`, auth.date);
  for (const part of [auth.region, auth.service, 'aws4_request']) key = hmac(key, part);
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest();
  if (!timingSafeEqual(expected, Buffer.from(auth.signature, 'hex'))) {
    return fail('signature mismatch', canonicalRequest);
  }

  return {
    ok: true,
    accessKeyId: auth.accessKeyId,
    region: auth.region,
    service: auth.service,
    ...(sessionToken === undefined ? {} : { sessionToken }),
    signedHeaders: signed,
    canonicalRequest,
  };
}

export interface RecordedSignedRequest {
  method: string;
  rawPath: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json: unknown;
  verdict: SigV4Verdict;
}

export interface SigV4ServerOptions {
  keys: Record<string, string>;
  service?: string;
  region?: string;
  respond?: (req: RecordedSignedRequest) => { status: number; headers?: Record<string, string>; body: unknown };
}

export interface SigV4Server {
  url: string;
  requests: RecordedSignedRequest[];
  close(): Promise<void>;
}

/** A local upstream on 127.0.0.1 that verifies every request's SigV4 signature, records it and answers 403 when it is wrong. */
export async function startSigV4Server(options: SigV4ServerOptions): Promise<SigV4Server> {
  const requests: RecordedSignedRequest[] = [];
  const verifyOptions: VerifyOptions = {};
  if (options.service !== undefined) verifyOptions.service = options.service;
  if (options.region !== undefined) verifyOptions.region = options.region;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // Never decode: the signature covers the path exactly as the client encoded it.
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const rawPath = q === -1 ? url : url.slice(0, q);
      const query = q === -1 ? '' : url.slice(q + 1);
      const body = Buffer.concat(chunks);
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        json = undefined;
      }
      const signed: SignedRequest = { method: req.method ?? '', rawPath, query, headers: req.headers, body };
      const recorded: RecordedSignedRequest = { ...signed, json, verdict: verifySigV4(signed, options.keys, verifyOptions) };
      requests.push(recorded);

      if (!recorded.verdict.ok) {
        res.writeHead(403, {
          'content-type': 'application/json',
          'x-amzn-ErrorType': 'InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/',
        });
        res.end(
          JSON.stringify({
            message: `The request signature we calculated does not match the signature you provided. ${recorded.verdict.reason}`,
          }),
        );
        return;
      }
      const answer = options.respond?.(recorded) ?? { status: 200, body: { images: ['iVBORw0KGgo='] } };
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
