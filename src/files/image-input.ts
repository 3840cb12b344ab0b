// Edit inputs as callers hold them (Buffers, Blobs/Files, file: URLs, base64 or data: URLs) -> bytes with a
// detected media type. Sizes are checked before a file is read or anything is uploaded.
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { BadRequestError } from '../errors/classes.js';
import type { ImageFile } from '../provider/types.js';
import { detectImage } from './detect-image.js';

/** One input image: bytes, a Blob or File, a file: URL, or a base64 string / data:image/...;base64, URL. */
export type ImageInput = Uint8Array | ArrayBuffer | Blob | URL | string;

/** Largest input imagegate reads at all; each model's own (smaller) limit is checked against its catalog. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

// Tested once whitespace is removed: a pattern allowing whitespace runs would backtrack quadratically on them.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const WHITESPACE = /\s+/g;
const DATA_URL = /^data:([a-z0-9.+/-]+)?(;[a-z0-9=.+-]+)*;base64,/i;

function invalid(where: string, message: string, code = 'invalid_image'): BadRequestError {
  return new BadRequestError(`${where}: ${message}`, { param: where.replace(/\[\d+\]$/, ''), code });
}

function tooLarge(where: string, bytes: number, limit: number): BadRequestError {
  return invalid(where, `is ${formatBytes(bytes)}, over the ${formatBytes(limit)} limit. Send a smaller image.`, 'image_too_large');
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toFixed(2))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} KB`;
  return `${bytes} bytes`;
}

function fromBase64(text: string, where: string, limit: number): Uint8Array {
  const dataUrl = DATA_URL.exec(text);
  const payload = dataUrl === null ? text : text.slice(dataUrl[0].length);
  // 4 base64 characters carry 3 bytes: refuse an oversized input before decoding it.
  const estimated = Math.floor((payload.replace(/\s/g, '').length * 3) / 4);
  if (estimated > limit) throw tooLarge(where, estimated, limit);
  if (payload.length === 0 || !BASE64.test(payload.replace(WHITESPACE, ''))) {
    throw invalid(where, 'a string must be base64 image bytes or a data:image/...;base64, URL (to send a file, pass a file: URL, Buffer or Blob).');
  }
  return new Uint8Array(Buffer.from(payload, 'base64'));
}

async function readBytes(input: ImageInput, where: string, limit: number): Promise<{ bytes: Uint8Array; name?: string }> {
  if (typeof input === 'string') return { bytes: fromBase64(input, where, limit) };
  if (input instanceof Uint8Array) {
    if (input.byteLength > limit) throw tooLarge(where, input.byteLength, limit);
    return { bytes: input };
  }
  if (input instanceof ArrayBuffer) {
    if (input.byteLength > limit) throw tooLarge(where, input.byteLength, limit);
    return { bytes: new Uint8Array(input) };
  }
  if (input instanceof URL) {
    if (input.protocol !== 'file:') throw invalid(where, `only file: URLs are read (got ${input.protocol}); download the image first and pass its bytes.`);
    const path = fileURLToPath(input);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile()) throw invalid(where, `no file at ${path}.`, 'image_not_found');
    if (info.size > limit) throw tooLarge(where, info.size, limit);
    return { bytes: new Uint8Array(await readFile(path)), name: path.split('/').pop() };
  }
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    if (input.size > limit) throw tooLarge(where, input.size, limit);
    const name = (input as Blob & { name?: unknown }).name;
    return { bytes: new Uint8Array(await input.arrayBuffer()), name: typeof name === 'string' && name !== '' ? name : undefined };
  }
  throw invalid(where, 'must be a Buffer/Uint8Array, ArrayBuffer, Blob or File, a file: URL, or a base64 string / data: URL.');
}

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif' };

/** Reads one input (refusing anything over `limit` bytes before reading it) and detects what image it is. */
export async function toImageFile(input: ImageInput, where: string, limit = MAX_INPUT_BYTES): Promise<ImageFile & { width?: number; height?: number }> {
  const { bytes, name } = await readBytes(input, where, limit);
  if (bytes.byteLength === 0) throw invalid(where, 'is empty.');
  const detected = await detectImage(bytes);
  if (detected === undefined) throw invalid(where, 'is not an image imagegate recognizes (PNG, JPEG, WebP or GIF).', 'invalid_image_format');
  const base = (name ?? where.replace(/\W+/g, '-').replace(/^-+|-+$/g, '')).replace(/\.[a-z0-9]+$/i, '');
  return { bytes, mediaType: detected.mediaType, filename: `${base}.${EXTENSIONS[detected.mediaType] ?? 'img'}`, width: detected.width, height: detected.height };
}
