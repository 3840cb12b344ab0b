// One authorized provider request. Signed per attempt: a signature carries its time, and temporary
// credentials may have been refreshed since the last attempt.
import { assertNoAuthOverride, authorize } from '../auth/apply-auth.js';
import { openHttp, type StreamingHttpResponse } from '../http/transport.js';
import { mapUpstreamError } from '../errors/map-upstream-error.js';
import type { CallOptions, PreparedCall } from './prepare-call.js';

const MAX_ERROR_BODY_BYTES = 1024 * 1024;

async function readText(body: AsyncIterable<Uint8Array>, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Sends the prepared request; a non-2xx answer is read (bounded) and thrown as the mapped error. */
export async function attempt(call: PreparedCall, options: CallOptions, signal: AbortSignal | undefined): Promise<StreamingHttpResponse> {
  const now = options.now ?? Date.now;
  const { provider, url, method, headers, body } = call;
  const auth = await authorize(provider, call.settings, { url, method, headers, body }, now);
  assertNoAuthOverride(call.callerHeaders, auth);
  call.secrets.push(...auth.secrets.filter((secret) => !call.secrets.includes(secret)));
  const started = performance.now();
  let reported = false;
  const report = () => {
    if (!reported) options.onUpstreamDuration?.(performance.now() - started);
    reported = true;
  };
  try {
    const response = await openHttp(
      { url: url.toString(), method, headers: { ...headers, ...auth.headers }, body },
      // The upstream time ends when the body has been read (or abandoned).
      { timeoutMs: call.timeoutMs, signal, context: { provider: provider.id, model: call.model }, onBodyEnd: report },
    );
    if (response.status >= 300) {
      const text = await readText(response.body, MAX_ERROR_BODY_BYTES);
      throw mapUpstreamError(call.context, { status: response.status, headers: response.headers, body: text });
    }
    return response;
  } catch (error) {
    report();
    throw error;
  }
}
