// Whether one param value satisfies a catalog rule; returns what is wrong, or undefined.
import type { ParamRule, SizeRule } from '../provider/types.js';
import { hasAspectRatio } from '../transforms/size.js';

function checkCustomSize(value: string, rule: SizeRule): string | undefined {
  const match = /^(\d+)x(\d+)$/.exec(value);
  if (match === null) return 'is not WIDTHxHEIGHT';
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (width < 1 || height < 1) return 'needs a width and height of at least 1';
  if (width % rule.multiple_of !== 0 || height % rule.multiple_of !== 0) return `needs width and height divisible by ${rule.multiple_of}`;
  if (Math.max(width, height) > rule.max_edge) return `has an edge over ${rule.max_edge} pixels`;
  if (rule.min_edge !== undefined && Math.min(width, height) < rule.min_edge) return `has an edge under ${rule.min_edge} pixels`;
  const ratio = width / height;
  if (ratio < rule.min_aspect_ratio - 1e-9 || ratio > rule.max_aspect_ratio + 1e-9) {
    return `has an aspect ratio outside ${rule.min_aspect_ratio.toFixed(3)}–${rule.max_aspect_ratio}`;
  }
  if (rule.max_pixels !== undefined && width * height > rule.max_pixels) return `has more than ${rule.max_pixels} pixels`;
  if (rule.min_pixels !== undefined && width * height < rule.min_pixels) return `has fewer than ${rule.min_pixels} pixels`;
  return undefined;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function checkAspectRatio(value: unknown, ratios: readonly string[]): string | undefined {
  const match = typeof value === 'string' ? /^(\d+)x(\d+)$/.exec(value) : null;
  const accepted = `accepts only sizes with an aspect ratio of exactly ${ratios.join(', ')} (e.g. 1024x1024 for 1:1)`;
  if (match === null) return accepted;
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (width < 1 || height < 1) return accepted;
  if (ratios.some((ratio) => hasAspectRatio(width, height, ratio))) return undefined;
  const divisor = gcd(width, height);
  return `${accepted}; ${value} is ${width / divisor}:${height / divisor}`;
}

export function checkValue(value: unknown, rule: ParamRule, params: Readonly<Record<string, unknown>>): string | undefined {
  if (rule.enum !== undefined && !rule.enum.includes(value as string)) {
    if (rule.custom_sizes === undefined || typeof value !== 'string') return `accepts only ${rule.enum.join(', ')}`;
    const problem = checkCustomSize(value, rule.custom_sizes);
    if (problem !== undefined) return `accepts ${rule.enum.join(', ')} or a custom size, and ${value} ${problem}`;
  }
  if (rule.aspect_ratios !== undefined) {
    const problem = checkAspectRatio(value, rule.aspect_ratios);
    if (problem !== undefined) return problem;
  }
  if ((rule.min !== undefined || rule.max !== undefined) && (typeof value !== 'number' || !Number.isFinite(value))) return 'must be a number';
  if (rule.min !== undefined && typeof value === 'number' && value < rule.min) return `must be at least ${rule.min}`;
  if (rule.max !== undefined && typeof value === 'number' && value > rule.max) return `must be at most ${rule.max}`;
  for (const [other, allowed] of Object.entries(rule.requires ?? {})) {
    const otherValue = params[other];
    if (typeof otherValue !== 'string' || !allowed.includes(otherValue)) return `needs ${other} set to ${allowed.join(' or ')}`;
  }
  return undefined;
}
