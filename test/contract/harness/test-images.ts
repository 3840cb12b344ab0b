// Real images for edit cases, by placeholder name: PNGs drawn by the offline provider's painter, one JPEG fixture.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { syntheticPng } from '../../../src/builtin/synthetic-image.js';

const jpeg = readFileSync(join(process.cwd(), 'test', 'fixtures', 'cpython-logo-16x16.jpg')).toString('base64');

export const testImages: Record<string, string> = {
  PNG_64: syntheticPng('first test image', 0, 64, 64).toString('base64'),
  PNG_64_B: syntheticPng('second test image', 1, 64, 64).toString('base64'),
  PNG_64x32: syntheticPng('wide test image', 0, 64, 32).toString('base64'),
  JPEG_16: jpeg,
  JPEG_8: jpeg,
};
