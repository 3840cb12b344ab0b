// Runs a prepared generation or edit: buffered, natively streamed, or (when the provider cannot stream and
// the caller allows it) answered as one completed event per image.
import { BadRequestError } from '../errors/classes.js';
import type { ImageResponse } from '../response/image-response.js';
import type { ImageStream } from '../stream/image-stream.js';
import { prepareCall, type CallOptions, type PrepareInput } from './prepare-call.js';
import { runBuffered } from './run-buffered.js';
import { runStream, singleEventStream } from './run-stream.js';

export function takeSignal(input: Record<string, unknown>): { request: Record<string, unknown>; signal: AbortSignal | undefined } {
  const { signal, ...request } = input;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new BadRequestError('signal must be an AbortSignal.', { param: 'signal', code: 'invalid_request' });
  }
  return { request, signal };
}

const STREAM_ONLY_PARAMS = ['stream', 'partial_images'];

export async function runCall(input: PrepareInput, options: CallOptions, signal: AbortSignal | undefined): Promise<ImageResponse | ImageStream> {
  const wantsStream = input.request['stream'] === true;
  const call = await prepareCall(input, options);
  if (!wantsStream) return runBuffered(call, options, signal);
  if (call.streams) return runStream(call, options, signal);
  return emulatedStream(input, options, signal, call.provider.displayName, call.model);
}

async function emulatedStream(input: PrepareInput, options: CallOptions, signal: AbortSignal | undefined, provider: string, model: string): Promise<ImageStream> {
  if (input.request['allow_single_event_stream'] !== true) {
    throw new BadRequestError(
      `${provider} ${model} cannot stream partial images. Omit stream, or pass allow_single_event_stream: true to get the finished image(s) as one completed event each.`,
      { param: 'stream', code: 'streaming_unsupported' },
    );
  }
  const request = Object.fromEntries(Object.entries(input.request).filter(([name]) => !STREAM_ONLY_PARAMS.includes(name)));
  const call = await prepareCall({ ...input, request }, options);
  const response = await runBuffered(call, options, signal);
  const kind = input.operationName === 'edit' ? 'image_edit' : 'image_generation';
  return singleEventStream(kind, response, {
    code: 'stream-emulated',
    message: `${provider} ${model} does not stream: the finished image(s) came as completed events, without partial images.`,
  });
}
