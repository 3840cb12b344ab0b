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

/** "1216x832" -> { width: 1216, height: 832 } */
export function sizeToDimensions(value: unknown, param: string): { width: number; height: number } {
  return parseSize(value, param);
}

/** Whether WIDTHxHEIGHT has exactly the ratio "a:b", compared by cross-multiplying (so 2100x900 is 21:9 as well as 7:3). */
export function hasAspectRatio(width: number, height: number, ratio: string): boolean {
  const [a, b] = ratio.split(':').map(Number);
  return a !== undefined && b !== undefined && a > 0 && b > 0 && width * b === height * a;
}

/** "1920x1080" -> "16:9": the provider's ratio string that matches exactly; never a nearest match. */
export function sizeToAspectRatio(value: unknown, param: string, choices: readonly string[]): string {
  const { width, height } = parseSize(value, param);
  const match = choices.find((ratio) => hasAspectRatio(width, height, ratio));
  if (match === undefined) {
    throw new BadRequestError(`${param}=${JSON.stringify(value)} has no exact aspect ratio this model takes (${choices.join(', ')}).`, {
      param,
      code: 'unsupported_value',
    });
  }
  return match;
}
