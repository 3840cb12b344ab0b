// Runs a prepared generation or edit: buffered, natively streamed, or (when the provider cannot stream and
// the caller allows it) answered as one completed event per image.
import { BadRequestError } from '../errors/classes.js';
import type { ImageResponse } from '../response/image-response.js';
import type { RawImageAnswer } from '../response/raw-answer.js';
import type { ImageStream } from '../stream/image-stream.js';
import { prepareCall, type PrepareInput, type RunOptions } from './prepare-call.js';
import { runBuffered } from './run-buffered.js';
import { runStream, singleEventStream } from './run-stream.js';

export function takeSignal(input: Record<string, unknown>): { request: Record<string, unknown>; signal: AbortSignal | undefined } {
  const { signal, ...request } = input;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new BadRequestError('signal must be an AbortSignal.', { param: 'signal', code: 'invalid_request' });
  }
  return { request, signal };
}

export type CallResult = ImageResponse | ImageStream | RawImageAnswer;

export async function runCall(input: PrepareInput, options: RunOptions, signal: AbortSignal | undefined): Promise<CallResult> {
  const call = await prepareCall(input, options);
  if (call.streams) return runStream(call, options, signal);
  if (!call.cannotStream) return runBuffered(call, options, signal);
  const subject = `${call.provider.displayName} ${call.model}`;
  if (input.request['allow_single_event_stream'] !== true) {
    throw new BadRequestError(
      `${subject} cannot stream partial images. Omit stream, or pass allow_single_event_stream: true to get the finished image(s) as one completed event each.`,
      { param: 'stream', provider: call.provider.id, model: call.model, code: 'streaming_unsupported' },
    );
  }
  const response = (await runBuffered(call, { ...options, rawAnswers: false }, signal)) as ImageResponse;
  return singleEventStream(input.operationName === 'edit' ? 'image_edit' : 'image_generation', response, {
    code: 'stream-emulated',
    message: `${subject} does not stream: the finished image(s) came as completed events, without partial images.`,
  });
}
