import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../src/errors/classes.js';
import { applyTransform } from '../../../src/transforms/index.js';

describe('size-to-dimensions', () => {
  it('splits WIDTHxHEIGHT into numbers', () => {
    expect(applyTransform('size-to-dimensions', '1216x832', 'size')).toEqual({ width: 1216, height: 832 });
  });

  it.each(['auto', '1024', '0x1024', '-1x2', 'axb', 1024, null])('rejects %s with a BadRequestError naming the param', (value) => {
    expect(() => applyTransform('size-to-dimensions', value, 'size')).toThrow(BadRequestError);
    expect(() => applyTransform('size-to-dimensions', value, 'size')).toThrow(/^size=/);
  });
});

describe('size-to-aspect-ratio', () => {
  const choices = ['16:9', '1:1', '21:9', '2:3', '3:2', '9:21'];
  it.each([
    ['1024x1024', '1:1'],
    ['1920x1080', '16:9'],
    ['1024x1536', '2:3'],
    ['2100x900', '21:9'],
    ['2520x1080', '21:9'],
    ['900x2100', '9:21'],
  ])('%s -> %s (the provider ratio string, matched exactly)', (size, ratio) => {
    expect(applyTransform('size-to-aspect-ratio', size, 'size', choices)).toEqual({ value: ratio });
  });

  it.each(['1536x640', '1025x1024', '2560x1080'])('%s has no exact ratio: an error, never the nearest one', (size) => {
    expect(() => applyTransform('size-to-aspect-ratio', size, 'size', choices)).toThrow(/no exact aspect ratio/);
  });
});
