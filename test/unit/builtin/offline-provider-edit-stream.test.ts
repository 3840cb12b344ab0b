// The offline provider's edits and streams end to end: the real pipeline (rules, multipart, SSE reading),
// served by the built-in synthetic-images upstream.
import { describe, expect, it } from 'vitest';
import { APIUserAbortError, BadRequestError, imageEdit, imageGeneration, UnsupportedParamsError } from '../../../src/index.js';
import { syntheticPng } from '../../../src/builtin/synthetic-image.js';

const PNG_64 = syntheticPng('input a', 0, 64, 64);
const PNG_64_B = syntheticPng('input b', 0, 64, 64);
const PNG_48x32 = syntheticPng('input c', 0, 48, 32);

function pngSize(b64: string): [number, number] {
  const png = Buffer.from(b64, 'base64');
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

describe('mock/ provider edits', () => {
  it('edits one image with a mask: PNGs of the first image\'s size, deterministic', async () => {
    const call = () => imageEdit({ model: 'mock/image-1', image: PNG_48x32, mask: PNG_48x32, prompt: 'add a hat', n: 2 }, { env: {} });
    const response = await call();
    expect(response.data).toHaveLength(2);
    expect(response.data.map((d) => pngSize(d.b64_json!))).toEqual([[48, 32], [48, 32]]);
    expect(response.size).toBe('48x32');
    expect(response._hidden_params).toMatchObject({ provider: 'mock', model: 'image-1', warnings: [] });
    expect((await call()).data.map((d) => d.b64_json)).toEqual(response.data.map((d) => d.b64_json));
  });

  it('edits several images (base64 and Buffer inputs) into the requested size', async () => {
    const response = await imageEdit({ model: 'mock/image-1', image: [PNG_64.toString('base64'), PNG_64_B], prompt: 'together', size: '20x10' }, { env: {} });
    expect(pngSize(response.data[0]!.b64_json!)).toEqual([20, 10]);
  });

  it('applies the stricter square-1 limits before anything is uploaded', async () => {
    await expect(imageEdit({ model: 'mock/square-1', image: PNG_48x32, prompt: 'a hat' }, { env: {} })).rejects.toMatchObject({ code: 'invalid_image_size' });
    await expect(imageEdit({ model: 'mock/square-1', image: [PNG_64, PNG_64_B], prompt: 'a hat' }, { env: {} })).rejects.toMatchObject({ code: 'too_many_images' });
    await expect(imageEdit({ model: 'mock/square-1', image: PNG_64, prompt: 'a hat', size: '256x256' }, { env: {} })).resolves.toMatchObject({ size: '256x256' });
  });

  it('simulates upstream errors on edits with mock_error', async () => {
    await expect(imageEdit({ model: 'mock/image-1', image: PNG_64, prompt: 'x', mock_error: 400, num_retries: 0 }, { env: {} })).rejects.toBeInstanceOf(BadRequestError);
  });
});

describe('mock/ provider streams', () => {
  it('streams a generation: partial images, then the completed image with usage', async () => {
    const stream = await imageGeneration({ model: 'mock/image-1', prompt: 'a fox', size: '32x32', stream: true, partial_images: 2, mock_partial_interval_ms: 0 }, { env: {} });
    const events = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.type)).toEqual(['image_generation.partial_image', 'image_generation.partial_image', 'image_generation.completed']);
    expect(events.map((e) => ('partial_image_index' in e ? e.partial_image_index : undefined))).toEqual([0, 1, undefined]);
    expect(pngSize(events[2]!.b64_json)).toEqual([32, 32]);
    const summary = await stream.summary;
    expect(summary.images).toBe(1);
    expect(summary.usage).toMatchObject({ input_tokens: 2, output_tokens: 201 });
  });

  it('streams an edit as image_edit.* events', async () => {
    const stream = await imageEdit({ model: 'mock/image-1', image: PNG_64, prompt: 'add a hat', stream: true, partial_images: 1, mock_partial_interval_ms: 0 }, { env: {} });
    const types = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['image_edit.partial_image', 'image_edit.completed']);
  });

  it('refuses to stream with square-1, which does not stream', async () => {
    await expect(imageGeneration({ model: 'mock/square-1', prompt: 'a fox', stream: true }, { env: {} })).rejects.toBeInstanceOf(UnsupportedParamsError);
  });

  it('cancels the stream with the signal', async () => {
    const controller = new AbortController();
    const stream = await imageGeneration(
      { model: 'mock/image-1', prompt: 'a fox', size: '8x8', stream: true, partial_images: 3, mock_partial_interval_ms: 5000, signal: controller.signal },
      { env: {} },
    );
    const started = Date.now();
    setTimeout(() => controller.abort(), 30);
    const read = async () => {
      for await (const event of stream) void event;
    };
    await expect(read()).rejects.toBeInstanceOf(APIUserAbortError);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
