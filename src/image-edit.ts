// imageEdit(): the input image(s) (and a mask) plus a prompt -> the OpenAI ImagesResponse, or an ImageStream of
// image_edit.* events with stream: true. Files are read and checked against the model's limits before upload.
import type { ImageGenerationRequest, ImageEditFields } from '../generated/canonical/types.js';
import { BadRequestError } from './errors/classes.js';
import { readEditFiles, type EditFiles } from './files/edit-inputs.js';
import type { ImageInput } from './files/image-input.js';
import { validateEditRequest } from './params/validate-request.js';
import type { ImageResponse } from './response/image-response.js';
import type { ImageStream } from './stream/image-stream.js';
import { runCall, takeSignal, type CallResult } from './call/run-call.js';
import type { CallOptions, RunOptions } from './call/prepare-call.js';

export type { ImageInput } from './files/image-input.js';

export type ImageEditParams = Omit<ImageGenerationRequest, 'prompt' | 'style' | 'moderation'> &
  Pick<ImageEditFields, 'input_fidelity'> & {
    image: ImageInput | ImageInput[];
    mask?: ImageInput;
    prompt?: string;
    signal?: AbortSignal;
  };

export function imageEdit(input: ImageEditParams & { stream: true }, options?: CallOptions): Promise<ImageStream>;
export function imageEdit(input: ImageEditParams & { stream?: false | undefined }, options?: CallOptions): Promise<ImageResponse>;
export function imageEdit(input: ImageEditParams, options?: CallOptions): Promise<ImageResponse | ImageStream>;
export async function imageEdit(input: ImageEditParams, options: CallOptions = {}): Promise<ImageResponse | ImageStream> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new BadRequestError('imageEdit expects one object of params, e.g. { image, prompt: "add a hat" }.', { code: 'invalid_request' });
  }
  const { image, mask, ...rest } = input as ImageEditParams & Record<string, unknown>;
  const files = await readEditFiles({ image, mask });
  return editWithFiles(rest, files, options) as Promise<ImageResponse | ImageStream>;
}

/** An edit whose files were already read (the Router reads them once for all its attempts). */
export async function editWithFiles(input: Record<string, unknown>, files: EditFiles, options: RunOptions = {}): Promise<CallResult> {
  const { request, signal } = takeSignal(input);
  validateEditRequest(request);
  return runCall({ operationName: 'edit', request, files }, options, signal);
}
