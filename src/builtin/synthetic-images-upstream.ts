// An OpenAI-shaped images API that draws deterministic PNGs: the upstream of the offline provider,
// for demos, CI and load tests. Body params mock_latency_ms and mock_error simulate a slow or failing upstream.
import type { HttpRequest, HttpResponse } from '../http/transport.js';
import { syntheticPng } from './synthetic-image.js';

const MAX_EDGE = 2048;
const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const fail = (status: number, message: string, param: string | null, code: string): HttpResponse =>
  json(status, { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param, code } });

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function parseSize(size: unknown): [number, number] | undefined {
  if (size === undefined || size === 'auto') return [1024, 1024];
  const match = typeof size === 'string' ? /^(\d{1,4})x(\d{1,4})$/.exec(size) : null;
  if (match === null) return undefined;
  const [width, height] = [Number(match[1]), Number(match[2])];
  return width >= 1 && height >= 1 && width <= MAX_EDGE && height <= MAX_EDGE ? [width, height] : undefined;
}

export async function handleSyntheticImages(request: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
  if (request.method !== 'POST' || !new URL(request.url).pathname.endsWith('/images/generations')) {
    return fail(404, 'Only POST /v1/images/generations exists here.', null, 'not_found');
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(typeof request.body === 'string' ? request.body : Buffer.from(request.body ?? '').toString('utf8'));
  } catch {
    return fail(400, 'The body is not JSON.', null, 'invalid_json');
  }
  const latency = body['mock_latency_ms'];
  if (latency !== undefined) {
    if (typeof latency !== 'number' || !(latency >= 0 && latency <= 600_000)) return fail(400, 'mock_latency_ms must be 0-600000.', 'mock_latency_ms', 'invalid_value');
    await sleep(latency, signal);
  }
  const simulated = body['mock_error'];
  if (simulated !== undefined) {
    if (!Number.isInteger(simulated) || (simulated as number) < 400 || (simulated as number) > 599) {
      return fail(400, 'mock_error must be an HTTP error status (400-599).', 'mock_error', 'invalid_value');
    }
    return fail(simulated as number, `Simulated upstream error ${String(simulated)} (mock_error).`, null, 'mock_error');
  }
  const prompt = body['prompt'];
  if (typeof prompt !== 'string' || prompt.length === 0) return fail(400, 'prompt is required.', 'prompt', 'missing_required_parameter');
  const n = body['n'] ?? 1;
  if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > 10) return fail(400, 'n must be 1-10.', 'n', 'invalid_value');
  const size = parseSize(body['size']);
  if (size === undefined) return fail(400, `size must be auto or WxH with edges up to ${MAX_EDGE}.`, 'size', 'invalid_value');
  const asUrl = body['response_format'] === 'url';
  const data = Array.from({ length: n as number }, (_, index) => {
    const b64 = syntheticPng(prompt, index, size[0], size[1]).toString('base64');
    return asUrl ? { url: `data:image/png;base64,${b64}` } : { b64_json: b64 };
  });
  return json(200, { created: Math.floor(Date.now() / 1000), data, output_format: 'png', size: `${size[0]}x${size[1]}` });
}
