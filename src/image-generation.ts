// imageGeneration(): the unified call. Validate -> resolve the provider -> enforce its catalog -> translate
// (generated) -> send with retries -> translate back (generated) or map the error. With stream: true the
// answer is an ImageStream of the OpenAI stream events.
import type { ImageGenerationRequest } from '../generated/canonical/types.js';
import { BadRequestError } from './errors/classes.js';
import { validateRequest } from './params/validate-request.js';
import type { ImageResponse } from './response/image-response.js';
import type { ImageStream } from './stream/image-stream.js';
import { runCall, takeSignal, type CallResult } from './call/run-call.js';
import type { CallOptions, RunOptions } from './call/prepare-call.js';

export type { CallOptions } from './call/prepare-call.js';

export type ImageGenerationParams = ImageGenerationRequest & { signal?: AbortSignal };

export function imageGeneration(input: ImageGenerationParams & { stream: true }, options?: CallOptions): Promise<ImageStream>;
export function imageGeneration(input: ImageGenerationParams & { stream?: false | undefined }, options?: CallOptions): Promise<ImageResponse>;
export function imageGeneration(input: ImageGenerationParams, options?: CallOptions): Promise<ImageResponse | ImageStream>;
export async function imageGeneration(input: ImageGenerationParams, options: CallOptions = {}): Promise<ImageResponse | ImageStream> {
  return generationCall(input, options) as Promise<ImageResponse | ImageStream>;
}

/** imageGeneration for the runtime's own callers: with rawAnswers, a large answer may come as a RawImageAnswer. */
export async function generationCall(input: ImageGenerationParams, options: RunOptions): Promise<CallResult> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new BadRequestError('imageGeneration expects one object of params, e.g. { prompt: "a red fox" }.', { code: 'invalid_request' });
  }
  const { request, signal } = takeSignal(input);
  validateRequest(request);
  return runCall({ operationName: 'generate', request }, options, signal);
}
