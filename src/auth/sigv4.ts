// SigV4 request signing with @smithy/signature-v4, loaded on first use so OpenAI-only callers never load AWS code.
import type { AwsCredentials } from './aws-credentials.js';
import { loadSigv4Signer } from './load-sigv4-signer.js';

export interface SignableRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

function queryRecord(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const existing = query[name];
    query[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}

/**
 * The headers that sign the request: x-amz-date, x-amz-security-token (temporary credentials), authorization.
 * The path is signed as sent (already percent-encoded) and encoded once more, as the AWS SDKs do for
 * every service but S3, so model ids with ':' and ARNs verify.
 */
export async function signSigV4(
  request: SignableRequest,
  options: { service: string; region: string; credentials: AwsCredentials; now: () => number },
): Promise<Record<string, string>> {
  const { SignatureV4, Hash } = await loadSigv4Signer();
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: options.credentials,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
    applyChecksum: false,
  });
  const { url } = request;
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: url.pathname,
      query: queryRecord(url),
      headers: { ...request.headers, host: url.host },
      body: request.body,
    },
    { signingDate: new Date(options.now()) },
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    // undici derives Host from the URL, identically to what was signed.
    if (name.toLowerCase() !== 'host') headers[name.toLowerCase()] = value;
  }
  return headers;
}
