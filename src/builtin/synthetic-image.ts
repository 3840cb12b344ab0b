// Deterministic pictures: the same prompt, index and size always give the same PNG.
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
  return encodePng(width, height, rgb);
}

export function syntheticPng(prompt: string, index: number, width: number, height: number): Buffer {
  const seed = createHash('sha256').update(`${prompt}\u0000${index}`).digest();
  const key = `${seed.toString('hex')}:${width}x${height}`;
  let png = cache.get(key);
  if (png === undefined) {
    png = render(width, height, seed);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(key, png);
  }
  return png;
}
