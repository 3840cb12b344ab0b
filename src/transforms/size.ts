// Size transforms: a unified WIDTHxHEIGHT size into the forms providers take.
import { BadRequestError } from '../errors/classes.js';

function parseSize(value: unknown, param: string): { width: number; height: number } {
  const match = typeof value === 'string' ? /^([1-9][0-9]*)x([1-9][0-9]*)$/.exec(value) : null;
  if (match === null) {
    throw new BadRequestError(`${param}=${JSON.stringify(value)} is not WIDTHxHEIGHT (e.g. 1024x1024); this model needs explicit pixel sizes.`, {
      param,
      code: 'invalid_size',
    });
  }
  return { width: Number(match[1]), height: Number(match[2]) };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** "1216x832" -> { width: 1216, height: 832 } */
export function sizeToDimensions(value: unknown, param: string): { width: number; height: number } {
  return parseSize(value, param);
}

/** "1920x1080" -> "16:9": the exact ratio, reduced; never a nearest match. */
export function sizeToAspectRatio(value: unknown, param: string): string {
  const { width, height } = parseSize(value, param);
  const divisor = gcd(width, height);
  return `${width / divisor}:${height / divisor}`;
}
