// Deterministic pictures: the same prompt, index and size always give the same PNG. A partial image is the
// same picture drawn in coarse blocks (coarser for earlier partials), so a stream shows the picture forming.
import { createHash } from 'node:crypto';
import { encodePng } from './png.js';

const cache = new Map<string, Buffer>();
const CACHE_LIMIT = 64;

function palette(seed: Buffer): [number, number, number][] {
  return [0, 3, 6].map((offset) => [seed[offset]!, seed[offset + 1]!, seed[offset + 2]!]);
}

function render(width: number, height: number, seed: Buffer): Buffer {
  const [from, to, accent] = palette(seed);
  const rgb = Buffer.alloc(width * height * 3);
  const cx = (seed[9]! / 255) * width;
  const cy = (seed[10]! / 255) * height;
  const radius = (0.15 + (seed[11]! / 255) * 0.25) * Math.min(width, height);
  for (let y = 0; y < height; y++) {
    const t = height === 1 ? 0 : y / (height - 1);
    const base = [0, 1, 2].map((c) => Math.round(from![c]! + (to![c]! - from![c]!) * t));
    for (let x = 0; x < width; x++) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
      const color = inside ? accent! : base;
      const offset = (y * width + x) * 3;
      rgb[offset] = color[0]!;
      rgb[offset + 1] = color[1]!;
      rgb[offset + 2] = color[2]!;
    }
  }
  return rgb;
}

/** The block edge of partial image `partial`: a quarter of the short edge, then an eighth, ... (at least 2 px). */
export function partialBlockSize(width: number, height: number, partial: number): number {
  return Math.max(2, Math.ceil(Math.min(width, height) / 2 ** (partial + 2)));
}

/** Each block takes the colour of its top-left pixel. */
function pixelate(rgb: Buffer, width: number, height: number, block: number): Buffer {
  const out = Buffer.alloc(rgb.length);
  for (let y = 0; y < height; y++) {
    const sourceRow = y - (y % block);
    for (let x = 0; x < width; x++) {
      const source = (sourceRow * width + (x - (x % block))) * 3;
      const offset = (y * width + x) * 3;
      out[offset] = rgb[source]!;
      out[offset + 1] = rgb[source + 1]!;
      out[offset + 2] = rgb[source + 2]!;
    }
  }
  return out;
}

/**
 * The picture for `prompt` (any text that should steer it, e.g. a prompt plus a digest of edit inputs) and image
 * `index`, as a PNG of width x height; with `partial` (0-based), that partial image of it instead.
 */
export function syntheticPng(prompt: string, index: number, width: number, height: number, partial?: number): Buffer {
  const seed = createHash('sha256').update(`${prompt}\u0000${index}`).digest();
  const key = `${seed.toString('hex')}:${width}x${height}:${partial ?? 'final'}`;
  let png = cache.get(key);
  if (png === undefined) {
    const rgb = render(width, height, seed);
    png = encodePng(width, height, partial === undefined ? rgb : pixelate(rgb, width, height, partialBlockSize(width, height, partial)));
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(key, png);
  }
  return png;
}
