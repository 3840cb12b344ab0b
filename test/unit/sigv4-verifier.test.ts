import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, describe, expect, it } from 'vitest';
import { startSigV4Server, verifySigV4, type SignedRequest, type SigV4Server } from '../helpers/sigv4-verifier.js';

const AKID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const keys = { [AKID]: SECRET };

// AWS SigV4 test suite, "get-vanilla".
const VANILLA_SIGNATURE = '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31';
const VANILLA_NOW = new Date('2015-08-30T12:36:00Z');

function vanilla(signature = VANILLA_SIGNATURE): SignedRequest {
  return {
    method: 'GET',
    rawPath: '/',
    query: '',
    headers: {
      host: 'example.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      authorization: `AWS4-HMAC-SHA256 Credential=${AKID}/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
    },
    body: Buffer.alloc(0),
  };
}

const vanillaOptions = { service: 'service', region: 'us-east-1', now: VANILLA_NOW };

// A deliberately plain signer, written straight from the SigV4 steps, separate from the verifier.
function signByHand(input: {
  method: string;
  rawPath: string;
  canonicalPath: string;
  canonicalQuery?: string;
  query?: string;
  headers: Record<string, string>;
  body: Buffer;
  date: Date;
  region: string;
  service: string;
  accessKeyId?: string;
  secret?: string;
  signedHeaderNames?: string[];
}): SignedRequest {
  const amzDate = input.date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { ...input.headers, 'x-amz-date': amzDate };
  const names = input.signedHeaderNames ?? Object.keys(headers).sort();
  const canonicalRequest = [
    input.method,
    input.canonicalPath,
    input.canonicalQuery ?? '',
    names.map((n) => `${n}:${headers[n]}\n`).join(''),
    names.join(';'),
    createHash('sha256').update(input.body).digest('hex'),
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  const kDate = createHmac('sha256', `AWS4${input.secret ?? SECRET}`).update(day).digest();
  const kRegion = createHmac('sha256', kDate).update(input.region).digest();
  const kService = createHmac('sha256', kRegion).update(input.service).digest();
  const kSigning = createHmac('sha256', kService).update('aws4_request').digest();
  const signature = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${input.accessKeyId ?? AKID}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return { method: input.method, rawPath: input.rawPath, query: input.query ?? '', headers, body: input.body };
}

function expectFailure(verdict: ReturnType<typeof verifySigV4>, reason: RegExp): void {
  expect(verdict.ok).toBe(false);
  if (!verdict.ok) expect(verdict.reason).toMatch(reason);
}

describe('verifySigV4 against the AWS test suite vector get-vanilla', () => {
  it('accepts the published signature and rebuilds the published canonical request', () => {
    const verdict = verifySigV4(vanilla(), keys, vanillaOptions);
    expect(verdict).toMatchObject({ ok: true, accessKeyId: AKID, region: 'us-east-1', service: 'service', signedHeaders: ['host', 'x-amz-date'] });
    expect(verdict.ok && verdict.canonicalRequest).toBe(
      'GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n' +
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('rejects one changed character of the signature', () => {
    expectFailure(verifySigV4(vanilla(`${VANILLA_SIGNATURE.slice(0, -1)}0`), keys, vanillaOptions), /signature mismatch/);
  });

  it('rejects a different secret', () => {
    expectFailure(verifySigV4(vanilla(), { [AKID]: `${SECRET.slice(0, -1)}X` }, vanillaOptions), /signature mismatch/);
  });

  it('rejects a changed body', () => {
    expectFailure(verifySigV4({ ...vanilla(), body: Buffer.from('x') }, keys, vanillaOptions), /signature mismatch/);
  });

  it('rejects a changed path', () => {
    expectFailure(verifySigV4({ ...vanilla(), rawPath: '/x' }, keys, vanillaOptions), /signature mismatch/);
  });

  it('rejects a changed signed header value', () => {
    const request = vanilla();
    request.headers.host = 'example.amazonaws.co';
    expectFailure(verifySigV4(request, keys, vanillaOptions), /signature mismatch/);
  });

  it('rejects a date 10 minutes away from now, in either direction', () => {
    for (const offset of [-10 * 60_000, 10 * 60_000]) {
      const now = new Date(VANILLA_NOW.getTime() + offset);
      expectFailure(verifySigV4(vanilla(), keys, { ...vanillaOptions, now }), /ms away from now/);
    }
  });

  it('rejects an unknown access key and a service or region other than the expected one', () => {
    expectFailure(verifySigV4(vanilla(), { OTHER: SECRET }, vanillaOptions), /unknown access key "AKIDEXAMPLE"/);
    expectFailure(verifySigV4(vanilla(), keys, { ...vanillaOptions, service: 'bedrock' }), /service "service" is not "bedrock"/);
    expectFailure(verifySigV4(vanilla(), keys, { ...vanillaOptions, region: 'eu-west-1' }), /region "us-east-1" is not "eu-west-1"/);
  });

  it('rejects a missing or malformed Authorization header', () => {
    const request = vanilla();
    delete request.headers.authorization;
    expectFailure(verifySigV4(request, keys, vanillaOptions), /missing Authorization/);
    expectFailure(verifySigV4({ ...vanilla(), headers: { ...vanilla().headers, authorization: 'Bearer x' } }, keys, vanillaOptions), /AWS4-HMAC-SHA256/);
  });
});

describe('verifySigV4 canonicalisation', () => {
  const date = new Date('2024-05-01T10:00:00Z');
  const body = Buffer.from(JSON.stringify({ taskType: 'TEXT_IMAGE', textToImageParams: { text: 'a cat' } }));

  it('encodes an already-encoded path a second time (non-S3 services)', () => {
    const request = signByHand({
      method: 'POST',
      rawPath: '/model/amazon.nova-canvas-v1%3A0/invoke',
      canonicalPath: '/model/amazon.nova-canvas-v1%253A0/invoke',
      headers: { host: 'bedrock-runtime.us-east-1.amazonaws.com', 'content-type': 'application/json' },
      body,
      date,
      region: 'us-east-1',
      service: 'bedrock',
    });
    const verdict = verifySigV4(request, keys, { service: 'bedrock', region: 'us-east-1', now: date });
    expect(verdict.ok).toBe(true);
    expect(verdict.canonicalRequest?.split('\n')[1]).toBe('/model/amazon.nova-canvas-v1%253A0/invoke');

    // The same request signed over the singly encoded path must not verify.
    const singly = signByHand({
      method: 'POST',
      rawPath: '/model/amazon.nova-canvas-v1%3A0/invoke',
      canonicalPath: '/model/amazon.nova-canvas-v1%3A0/invoke',
      headers: { host: 'bedrock-runtime.us-east-1.amazonaws.com', 'content-type': 'application/json' },
      body,
      date,
      region: 'us-east-1',
      service: 'bedrock',
    });
    expectFailure(verifySigV4(singly, keys, { now: date }), /signature mismatch/);
  });

  it('sorts and re-encodes the query, trims header values and keeps an empty path as /', () => {
    const request = signByHand({
      method: 'GET',
      rawPath: '',
      canonicalPath: '/',
      query: 'b=2&a=x%20y&a=1&c',
      canonicalQuery: 'a=1&a=x%20y&b=2&c=',
      headers: { host: 'example.amazonaws.com', 'x-amz-meta': 'one two' },
      body: Buffer.alloc(0),
      date,
      region: 'us-east-1',
      service: 'service',
    });
    request.headers['x-amz-meta'] = '  one    two ';
    const verdict = verifySigV4(request, keys, { now: date });
    expect(verdict.ok, verdict.ok ? '' : verdict.reason).toBe(true);
    expect(verdict.canonicalRequest?.split('\n').slice(1, 3)).toEqual(['/', 'a=1&a=x%20y&b=2&c=']);
  });

  it('rejects an x-amz-content-sha256 that is not the body hash', () => {
    const request = signByHand({
      method: 'POST',
      rawPath: '/',
      canonicalPath: '/',
      headers: { host: 'example.amazonaws.com', 'x-amz-content-sha256': '0'.repeat(64) },
      body,
      date,
      region: 'us-east-1',
      service: 'service',
    });
    expectFailure(verifySigV4(request, keys, { now: date }), /x-amz-content-sha256 0+ is not the body's hash/);
  });

  it('requires host to be signed', () => {
    const request = signByHand({
      method: 'GET',
      rawPath: '/',
      canonicalPath: '/',
      headers: { host: 'example.amazonaws.com' },
      signedHeaderNames: ['x-amz-date'],
      body: Buffer.alloc(0),
      date,
      region: 'us-east-1',
      service: 'service',
    });
    expectFailure(verifySigV4(request, keys, { now: date }), /host is not a signed header/);
  });

  it('accepts a signed session token and reports it', () => {
    const request = signByHand({
      method: 'GET',
      rawPath: '/',
      canonicalPath: '/',
      headers: { host: 'example.amazonaws.com', 'x-amz-security-token': 'TOKEN' },
      body: Buffer.alloc(0),
      date,
      region: 'us-east-1',
      service: 'service',
    });
    expect(verifySigV4(request, keys, { now: date })).toMatchObject({ ok: true, sessionToken: 'TOKEN' });
  });

  it('rejects a session token header that is present but not signed', () => {
    const request = signByHand({
      method: 'GET',
      rawPath: '/',
      canonicalPath: '/',
      headers: { host: 'example.amazonaws.com' },
      body: Buffer.alloc(0),
      date,
      region: 'us-east-1',
      service: 'service',
    });
    // The signature itself is valid; only the unsigned token makes it unacceptable.
    expect(verifySigV4(request, keys, { now: date }).ok).toBe(true);
    request.headers['x-amz-security-token'] = 'TOKEN';
    expectFailure(verifySigV4(request, keys, { now: date }), /x-amz-security-token is present but not signed/);
  });

  it('agrees with @smithy/signature-v4 for a bedrock invoke path', async () => {
    const signer = new SignatureV4({
      credentials: { accessKeyId: AKID, secretAccessKey: SECRET, sessionToken: 'SESSION' },
      region: 'us-east-1',
      service: 'bedrock',
      sha256: Hash.bind(null, 'sha256'),
    });
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: 'bedrock-runtime.us-east-1.amazonaws.com',
        path: '/model/amazon.nova-canvas-v1%3A0/invoke',
        query: { 'x y': 'a/b' },
        headers: { host: 'bedrock-runtime.us-east-1.amazonaws.com', 'content-type': 'application/json' },
        body: body.toString('utf8'),
      },
      { signingDate: date },
    );
    const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const verdict = verifySigV4(
      { method: 'POST', rawPath: '/model/amazon.nova-canvas-v1%3A0/invoke', query: 'x%20y=a%2Fb', headers, body },
      keys,
      { service: 'bedrock', region: 'us-east-1', now: date },
    );
    expect(verdict.ok, verdict.ok ? '' : verdict.reason).toBe(true);
    expect(verdict).toMatchObject({ sessionToken: 'SESSION' });
  });
});

describe('startSigV4Server', () => {
  let server: SigV4Server | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  function send(url: string, request: SignedRequest): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      const req = httpRequest(
        {
          hostname: target.hostname,
          port: target.port,
          method: request.method,
          path: request.rawPath + (request.query === '' ? '' : `?${request.query}`),
          headers: { ...(request.headers as Record<string, string>), 'content-length': String(request.body.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.end(request.body);
    });
  }

  function signedFor(url: string, overrides: { secret?: string } = {}): SignedRequest {
    const host = new URL(url).host;
    return signByHand({
      method: 'POST',
      rawPath: '/model/amazon.nova-canvas-v1%3A0/invoke',
      canonicalPath: '/model/amazon.nova-canvas-v1%253A0/invoke',
      headers: { host, 'content-type': 'application/json' },
      body: Buffer.from('{"prompt":"a cat"}'),
      date: new Date(),
      region: 'us-east-1',
      service: 'bedrock',
      ...overrides,
    });
  }

  it('answers a correctly signed request with 200 and records it with an ok verdict', async () => {
    server = await startSigV4Server({ keys, service: 'bedrock', region: 'us-east-1' });
    const response = await send(server.url, signedFor(server.url));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body)).toEqual({ images: ['iVBORw0KGgo='] });
    expect(server.requests).toHaveLength(1);
    const recorded = server.requests[0]!;
    expect(recorded).toMatchObject({ method: 'POST', rawPath: '/model/amazon.nova-canvas-v1%3A0/invoke', query: '', json: { prompt: 'a cat' } });
    expect(recorded.verdict).toMatchObject({ ok: true, accessKeyId: AKID, service: 'bedrock', region: 'us-east-1' });
  });

  it('answers with respond() when given', async () => {
    server = await startSigV4Server({ keys, respond: (req) => ({ status: 201, headers: { 'x-seen': req.rawPath }, body: { echoed: req.json } }) });
    const response = await send(server.url, signedFor(server.url));
    expect(response.status).toBe(201);
    expect(response.headers['x-seen']).toBe('/model/amazon.nova-canvas-v1%3A0/invoke');
    expect(JSON.parse(response.body)).toEqual({ echoed: { prompt: 'a cat' } });
  });

  it('answers a badly signed request with 403 and InvalidSignatureException', async () => {
    const respond = () => {
      throw new Error('respond must not be called for a bad signature');
    };
    server = await startSigV4Server({ keys, service: 'bedrock', region: 'us-east-1', respond });
    const response = await send(server.url, signedFor(server.url, { secret: 'wrong' }));
    expect(response.status).toBe(403);
    expect(response.headers['x-amzn-errortype']).toBe(
      'InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/',
    );
    expect(JSON.parse(response.body)).toEqual({
      message: 'The request signature we calculated does not match the signature you provided. signature mismatch',
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.verdict).toMatchObject({ ok: false, reason: 'signature mismatch' });
  });
});
