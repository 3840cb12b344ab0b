// The synthetic images API's text/event-stream answer, shaped like OpenAI's image streams: for each image,
// `partials` partial_image events and then one completed event with usage, each event after `intervalMs`.
import { sleep } from './http-answers.js';
import { syntheticPng } from './synthetic-image.js';

export interface StreamPlan {
  /** The event type prefix: image_generation or image_edit. */
  kind: 'image_generation' | 'image_edit';
  /** What steers the pictures (see syntheticPng). */
  seedText: string;
  n: number;
  width: number;
  height: number;
  /** Partial images per image (0-3). */
  partials: number;
  intervalMs: number;
  /** The usage each completed event reports. */
  usage: Record<string, unknown>;
}

/** Synthetic token counts: ~4 prompt characters a token, 85 tokens an input image, 1 output token per 1024 pixels plus 100 per partial image. */
export function syntheticUsage(prompt: string, inputImages: number, width: number, height: number, partials: number): Record<string, unknown> {
  const text = Math.max(1, Math.ceil(prompt.length / 4));
  const imageIn = inputImages * 85;
  const output = Math.ceil((width * height) / 1024) + partials * 100;
  return {
    input_tokens: text + imageIn,
    output_tokens: output,
    total_tokens: text + imageIn + output,
    input_tokens_details: { text_tokens: text, image_tokens: imageIn },
    output_tokens_details: { image_tokens: output, text_tokens: 0 },
  };
}

const encoder = new TextEncoder();

function sse(event: string, data: Record<string, unknown>): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The event stream; it stops (rejecting with the signal's reason) as soon as the signal fires. */
export async function* imageEvents(plan: StreamPlan, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const common = { size: `${plan.width}x${plan.height}`, quality: 'auto', background: 'opaque', output_format: 'png' };
  const createdAt = () => Math.floor(Date.now() / 1000);
  for (let index = 0; index < plan.n; index++) {
    for (let partial = 0; partial < plan.partials; partial++) {
      await sleep(plan.intervalMs, signal);
      const type = `${plan.kind}.partial_image`;
      const b64 = syntheticPng(plan.seedText, index, plan.width, plan.height, partial).toString('base64');
      yield sse(type, { type, b64_json: b64, created_at: createdAt(), partial_image_index: partial, ...common });
    }
    await sleep(plan.intervalMs, signal);
    const type = `${plan.kind}.completed`;
    const b64 = syntheticPng(plan.seedText, index, plan.width, plan.height).toString('base64');
    yield sse(type, { type, b64_json: b64, created_at: createdAt(), ...common, usage: plan.usage });
  }
}
