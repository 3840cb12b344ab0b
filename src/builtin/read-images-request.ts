// Reads a request to the synthetic images API: a JSON body (generations) or a multipart/form-data body
// (edits: image / image[] / mask file parts and text fields), into params and input images.
import { imageSize } from 'image-size';
import type { HttpRequest } from '../http/transport.js';
import { headerOf, Refusal } from './http-answers.js';

export const MAX_INPUT_IMAGES = 16;
export const MAX_INPUT_BYTES = 50 * 1024 * 1024;

const MEDIA_TYPES: Readonly<Record<string, string>> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' };

/** Multipart text fields that carry numbers or booleans (a form sends every value as text). */
const INTEGER_FIELDS = new Set(['n', 'partial_images', 'mock_latency_ms', 'mock_error', 'mock_partial_interval_ms']);
const BOOLEAN_FIELDS = new Set(['stream']);

export interface InputImage {
  bytes: Uint8Array;
  mediaType: string;
  width?: number;
  height?: number;
}

export interface EditRequest {
  params: Record<string, unknown>;
  images: InputImage[];
  mask?: InputImage;
}

function bodyBytes(request: HttpRequest): Uint8Array {
  if (request.body === undefined) return new Uint8Array(0);
  return typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
}

export function readJsonParams(request: HttpRequest): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bodyBytes(request)).toString('utf8'));
  } catch {
    throw new Refusal(400, 'The body is not JSON.', null, 'invalid_json');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Refusal(400, 'The body must be a JSON object.', null, 'invalid_json');
  return body as Record<string, unknown>;
}

function fieldValue(name: string, text: string): unknown {
  if (INTEGER_FIELDS.has(name) && /^-?\d{1,15}$/.test(text)) return Number(text);
  if (BOOLEAN_FIELDS.has(name) && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

async function readImage(part: File, param: string): Promise<InputImage> {
  if (part.size > MAX_INPUT_BYTES) throw new Refusal(400, `${param} is larger than 50 MB.`, param, 'image_too_large');
  const bytes = new Uint8Array(await part.arrayBuffer());
  let detected: { type?: string; width?: number; height?: number } | undefined;
  try {
    detected = imageSize(bytes);
  } catch {
    detected = undefined;
  }
  const mediaType = detected?.type === undefined ? undefined : MEDIA_TYPES[detected.type];
  if (mediaType === undefined) throw new Refusal(400, `${param} must be a PNG, JPEG or WebP image.`, param, 'invalid_image_format');
  return { bytes, mediaType, width: detected?.width, height: detected?.height };
}

/** Reads an edit: params from the text fields, images from the `image` or `image[]` parts, the optional `mask` part. */
export async function readEditRequest(request: HttpRequest): Promise<EditRequest> {
  const contentType = headerOf(request.headers, 'content-type') ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
    throw new Refusal(400, 'images/edits takes a multipart/form-data body.', null, 'invalid_content_type');
  }
  let form: FormData;
  try {
    form = await new Response(bodyBytes(request), { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new Refusal(400, 'The body is not valid multipart/form-data.', null, 'invalid_multipart');
  }
  const params: Record<string, unknown> = {};
  const imageParts: { part: File; param: string }[] = [];
  let maskPart: File | undefined;
  for (const [name, value] of form.entries()) {
    if (name === 'image' || name === 'image[]') {
      if (typeof value === 'string') throw new Refusal(400, `${name} must be a file part.`, 'image', 'invalid_image');
      imageParts.push({ part: value, param: name });
    } else if (name === 'mask') {
      if (typeof value === 'string') throw new Refusal(400, 'mask must be a file part.', 'mask', 'invalid_image');
      if (maskPart !== undefined) throw new Refusal(400, 'Only one mask can be given.', 'mask', 'invalid_image');
      maskPart = value;
    } else if (typeof value === 'string') {
      params[name] = fieldValue(name, value);
    }
  }
  if (imageParts.length === 0) throw new Refusal(400, 'image is required: give one image part, or image[] parts.', 'image', 'missing_required_parameter');
  if (imageParts.length > MAX_INPUT_IMAGES) throw new Refusal(400, `At most ${MAX_INPUT_IMAGES} images can be edited at once.`, 'image', 'too_many_images');
  const many = imageParts.length > 1;
  const images = await Promise.all(imageParts.map(({ part, param }, index) => readImage(part, many ? `${param.replace('[]', '')}[${index}]` : param)));
  const mask = maskPart === undefined ? undefined : await readImage(maskPart, 'mask');
  return mask === undefined ? { params, images } : { params, images, mask };
}
