// An OpenAI-shaped images API that draws deterministic PNGs: the upstream of the offline provider, for demos,
// CI and load tests. POST .../images/generations (JSON) and POST .../images/edits (multipart: image or image[]
// parts, optional mask) answer JSON, or with stream: true a text/event-stream of partial and completed images.
// Body params mock_latency_ms, mock_error and mock_partial_interval_ms simulate a slow, failing or streaming upstream.
import { createHash } from 'node:crypto';
import type { HttpRequest } from '../http/transport.js';
import type { BuiltinResponse } from './upstreams.js';
import { fail, json, Refusal, sleep } from './http-answers.js';
import { imageEvents, syntheticUsage } from './image-events.js';
import { readEditRequest, readJsonParams, type EditRequest } from './read-images-request.js';
import { syntheticPng } from './synthetic-image.js';

const MAX_EDGE = 2048;
const DEFAULT_PARTIAL_INTERVAL_MS = 50;
const MAX_PARTIAL_INTERVAL_MS = 10_000;

type Operation = 'generations' | 'edits';

interface Plan {
  prompt: string;
  n: number;
  width: number;
  height: number;
  asUrl: boolean;
  stream: boolean;
  partials: number;
  intervalMs: number;
}

function operationOf(request: HttpRequest): Operation | undefined {
  if (request.method !== 'POST') return undefined;
  const path = new URL(request.url).pathname;
  if (path.endsWith('/images/generations')) return 'generations';
  if (path.endsWith('/images/edits')) return 'edits';
  return undefined;
}

function parseSize(size: unknown, auto: [number, number]): [number, number] | undefined {
  if (size === undefined || size === 'auto') return auto;
  const match = typeof size === 'string' ? /^(\d{1,4})x(\d{1,4})$/.exec(size) : null;
  if (match === null) return undefined;
  const [width, height] = [Number(match[1]), Number(match[2])];
  return width >= 1 && height >= 1 && width <= MAX_EDGE && height <= MAX_EDGE ? [width, height] : undefined;
}

function integerIn(params: Record<string, unknown>, name: string, min: number, max: number, fallback: number): number {
  const value = params[name] ?? fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) throw new Refusal(400, `${name} must be an integer ${min}-${max}.`, name, 'invalid_value');
  return value as number;
}

/** Simulated latency, then a simulated error: both before anything else is looked at. */
async function simulate(params: Record<string, unknown>, signal: AbortSignal): Promise<void> {
  if (params['mock_latency_ms'] !== undefined) {
    const latency = params['mock_latency_ms'];
    if (typeof latency !== 'number' || !(latency >= 0 && latency <= 600_000)) throw new Refusal(400, 'mock_latency_ms must be 0-600000.', 'mock_latency_ms', 'invalid_value');
    await sleep(latency, signal);
  }
  const simulated = params['mock_error'];
  if (simulated !== undefined) {
    if (!Number.isInteger(simulated) || (simulated as number) < 400 || (simulated as number) > 599) {
      throw new Refusal(400, 'mock_error must be an HTTP error status (400-599).', 'mock_error', 'invalid_value');
    }
    throw new Refusal(simulated as number, `Simulated upstream error ${String(simulated)} (mock_error).`, null, 'mock_error');
  }
}

/** Checks the params every operation shares; an edit's size defaults to its first image's. */
function planOf(params: Record<string, unknown>, promptRequired: boolean, autoSize: [number, number]): Plan {
  const prompt = params['prompt'] ?? (promptRequired ? undefined : '');
  if (typeof prompt !== 'string' || (promptRequired && prompt.length === 0)) throw new Refusal(400, 'prompt is required.', 'prompt', 'missing_required_parameter');
  const n = integerIn(params, 'n', 1, 10, 1);
  const size = parseSize(params['size'], autoSize);
  if (size === undefined) throw new Refusal(400, `size must be auto or WxH with edges up to ${MAX_EDGE}.`, 'size', 'invalid_value');
  const stream = params['stream'] ?? false;
  if (typeof stream !== 'boolean') throw new Refusal(400, 'stream must be true or false.', 'stream', 'invalid_value');
  const partials = integerIn(params, 'partial_images', 0, 3, 0);
  const intervalMs = integerIn(params, 'mock_partial_interval_ms', 0, MAX_PARTIAL_INTERVAL_MS, DEFAULT_PARTIAL_INTERVAL_MS);
  return { prompt, n, width: size[0], height: size[1], asUrl: params['response_format'] === 'url', stream, partials, intervalMs };
}

/** What an edit's pictures are drawn from: the prompt and a digest of every input image and the mask. */
function editSeed(prompt: string, edit: EditRequest): string {
  const hash = createHash('sha256');
  for (const file of [...edit.images, ...(edit.mask === undefined ? [] : [edit.mask])]) hash.update(String(file.bytes.byteLength)).update('\u0000').update(file.bytes);
  return `${prompt}\u0000edit:${hash.digest('hex')}`;
}

function answer(operation: Operation, plan: Plan, seedText: string, inputImages: number, signal: AbortSignal): BuiltinResponse {
  if (plan.stream) {
    const usage = syntheticUsage(plan.prompt, inputImages, plan.width, plan.height, plan.partials);
    const kind = operation === 'edits' ? 'image_edit' : 'image_generation';
    const stream = imageEvents({ kind, seedText, n: plan.n, width: plan.width, height: plan.height, partials: plan.partials, intervalMs: plan.intervalMs, usage }, signal);
    return { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, body: '', stream };
  }
  const data = Array.from({ length: plan.n }, (_, index) => {
    const b64 = syntheticPng(seedText, index, plan.width, plan.height).toString('base64');
    return plan.asUrl ? { url: `data:image/png;base64,${b64}` } : { b64_json: b64 };
  });
  return json(200, { created: Math.floor(Date.now() / 1000), data, output_format: 'png', size: `${plan.width}x${plan.height}` });
}

async function handle(operation: Operation, request: HttpRequest, signal: AbortSignal): Promise<BuiltinResponse> {
  if (operation === 'generations') {
    const params = readJsonParams(request);
    await simulate(params, signal);
    const plan = planOf(params, true, [1024, 1024]);
    return answer(operation, plan, plan.prompt, 0, signal);
  }
  const edit = await readEditRequest(request);
  await simulate(edit.params, signal);
  const first = edit.images[0]!;
  const firstSize = parseSize(first.width !== undefined && first.height !== undefined ? `${first.width}x${first.height}` : undefined, [1024, 1024]);
  const plan = planOf(edit.params, false, firstSize ?? [1024, 1024]);
  return answer(operation, plan, editSeed(plan.prompt, edit), edit.images.length, signal);
}

export async function handleSyntheticImages(request: HttpRequest, signal: AbortSignal): Promise<BuiltinResponse> {
  const operation = operationOf(request);
  if (operation === undefined) return fail(404, 'Only POST /v1/images/generations and POST /v1/images/edits exist here.', null, 'not_found');
  try {
    return await handle(operation, request, signal);
  } catch (error) {
    if (error instanceof Refusal) return error.response;
    throw error;
  }
}
