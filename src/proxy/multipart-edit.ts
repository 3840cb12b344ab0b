// An edit sent as multipart/form-data, as openai-node and `curl -F` send it: file parts `image` (or `image[]`,
// once per image) and `mask`; every other part a text field. File bytes are passed on as they came: the SDK reads
// what they are from the bytes and checks them against the model's limits.
import type { Multipart, MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { BadRequestError, ImagegateError } from '../errors/classes.js';
import { formatBytes } from '../files/image-input.js';

/** At most 16 input images and a mask. */
export const MAX_EDIT_FILES = 17;
export const MAX_EDIT_FIELDS = 50;
/** A text field's largest value: room for a long prompt (32,000 characters of any script). */
export const MAX_FIELD_BYTES = 128 * 1024;

/** Text fields that are numbers or booleans in the JSON request; converted only when the text is a clean literal. */
const TYPED_FIELDS: Readonly<Record<string, 'integer' | 'number' | 'boolean'>> = {
  n: 'integer',
  partial_images: 'integer',
  output_compression: 'integer',
  num_retries: 'integer',
  timeout: 'number',
  stream: 'boolean',
  drop_params: 'boolean',
};

const IMAGE_PARTS = new Set(['image', 'image[]']);

export function multipartLimits(limitBytes: number) {
  return {
    fileSize: limitBytes,
    files: MAX_EDIT_FILES,
    fields: MAX_EDIT_FIELDS,
    parts: MAX_EDIT_FILES + MAX_EDIT_FIELDS,
    fieldSize: MAX_FIELD_BYTES,
    fieldNameSize: 100,
    headerPairs: 100,
  };
}

function bad(message: string, code: string, param: string | null = null): BadRequestError {
  return new BadRequestError(message, { code, param });
}

export function tooLarge(limitBytes: number): BadRequestError {
  return new BadRequestError(
    `The request body is larger than this proxy accepts (${formatBytes(limitBytes)}, general_settings.max_request_size_mb): send smaller images.`,
    { status: 413, code: 'request_too_large' },
  );
}

/** A text field as the JSON request would carry it: a clean number or boolean literal converted, anything else kept. */
export function fieldValue(name: string, text: string): unknown {
  const type = TYPED_FIELDS[name];
  if (type === 'integer' && /^-?\d{1,15}$/.test(text)) return Number(text);
  if (type === 'number' && /^-?\d{1,15}(\.\d{1,15})?$/.test(text)) return Number(text);
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/** Why the multipart body could not be read, as a 400 (or 413), never a 500. */
function multipartError(error: unknown, limitBytes: number): ImagegateError {
  if (error instanceof ImagegateError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return tooLarge(limitBytes);
    case 'FST_FILES_LIMIT':
      return bad(`Too many files: an edit takes at most ${MAX_EDIT_FILES - 1} images and a mask.`, 'too_many_images', 'image');
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return bad(`Too many form fields: an edit takes at most ${MAX_EDIT_FIELDS}.`, 'invalid_request');
    case 'FST_PROTO_VIOLATION':
      return bad('A form field name is not allowed (__proto__, constructor, ...).', 'invalid_request');
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return bad('A form field sent as application/json is not valid JSON.', 'invalid_request');
    default:
      break;
  }
  const detail = error instanceof Error ? error.message.replace(/\s+/g, ' ').slice(0, 200) : 'unreadable';
  return bad(
    `The multipart/form-data body could not be read (${detail}): send the image as a file part named "image" and the other params as form fields.`,
    'invalid_multipart',
  );
}

async function readFilePart(part: MultipartFile, total: { bytes: number }, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of part.file as AsyncIterable<Buffer>) {
    total.bytes += chunk.length;
    if (total.bytes > limitBytes) throw tooLarge(limitBytes);
    chunks.push(chunk);
  }
  if (part.file.truncated) throw tooLarge(limitBytes);
  return Buffer.concat(chunks);
}

function addField(payload: Record<string, unknown>, part: MultipartValue, total: { bytes: number }, limitBytes: number): void {
  const name = part.fieldname;
  if (name === 'image' || name === 'image[]' || name === 'mask') {
    throw bad(`"${name}" was sent as a text field: send it as a file part (curl -F "${name}=@photo.png").`, 'invalid_image', name === 'mask' ? 'mask' : 'image');
  }
  if (part.valueTruncated) throw bad(`Form field "${name}" is longer than ${formatBytes(MAX_FIELD_BYTES)}.`, 'invalid_request', name);
  if (Object.hasOwn(payload, name)) throw bad(`Form field "${name}" was sent more than once.`, 'invalid_request', name);
  const value = typeof part.value === 'string' ? fieldValue(name, part.value) : part.value;
  total.bytes += typeof part.value === 'string' ? Buffer.byteLength(part.value) : 0;
  if (total.bytes > limitBytes) throw tooLarge(limitBytes);
  payload[name] = value;
}

/**
 * Reads what is left of a body refused half-way and drops it. Node leaves a body that is still being consumed to its
 * consumer, so one abandoned mid-stream keeps its keep-alive connection stuck: the next request on it never gets an
 * answer.
 */
function discardRestOfBody(request: FastifyRequest): void {
  request.raw.unpipe();
  request.raw.resume();
}

/** The edit request in a multipart body: text fields by name, `image` (one Buffer, or an array for image[]) and `mask`. */
export async function readMultipartEdit(request: FastifyRequest, limitBytes: number): Promise<Record<string, unknown>> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  const payload: Record<string, unknown> = {};
  const images: Buffer[] = [];
  let asArray = false;
  let mask: Buffer | undefined;
  const total = { bytes: 0 };
  try {
    for await (const part of request.parts({ limits: multipartLimits(limitBytes) }) as AsyncIterable<Multipart>) {
      if (part.type === 'field') {
        addField(payload, part, total, limitBytes);
        continue;
      }
      const name = part.fieldname;
      if (IMAGE_PARTS.has(name)) {
        asArray ||= name === 'image[]' || images.length > 0;
        images.push(await readFilePart(part, total, limitBytes));
      } else if (name === 'mask') {
        if (mask !== undefined) throw bad('Only one mask may be sent.', 'invalid_mask', 'mask');
        mask = await readFilePart(part, total, limitBytes);
      } else {
        throw bad(`Unexpected file part "${name}": an edit takes files only as "image" (or "image[]", once per image) and "mask".`, 'invalid_request', name);
      }
    }
  } catch (error) {
    discardRestOfBody(request);
    throw multipartError(error, limitBytes);
  }
  if (images.length > 0) payload['image'] = asArray ? images : images[0];
  if (mask !== undefined) payload['mask'] = mask;
  return payload;
}
