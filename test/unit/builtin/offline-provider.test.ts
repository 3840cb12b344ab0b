// The offline provider end to end: the real pipeline, served by the built-in synthetic-images upstream.
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { imageGeneration, APIUserAbortError, RateLimitError, TimeoutError } from '../../../src/index.js';

function pngInfo(b64: string): { width: number; height: number; pixels: Buffer } {
  const png = Buffer.from(b64, 'base64');
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  const idatLength = png.readUInt32BE(33);
  expect(png.subarray(37, 41).toString('latin1')).toBe('IDAT');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), pixels: inflateSync(png.subarray(41, 41 + idatLength)) };
}

describe('mock/ provider', () => {
  it('returns valid PNGs of the requested size and count', async () => {
    const response = await imageGeneration({ model: 'mock/image-1', prompt: 'a paper boat', n: 3, size: '320x200' }, { env: {} });
    expect(response.data).toHaveLength(3);
    for (const image of response.data) {
      const info = pngInfo(image.b64_json!);
      expect([info.width, info.height]).toEqual([320, 200]);
      expect(info.pixels.length).toBe((320 * 3 + 1) * 200);
    }
    expect(response.size).toBe('320x200');
    expect(response._hidden_params).toMatchObject({ provider: 'mock', model: 'image-1', api_base: 'builtin://synthetic-images/v1', warnings: [] });
  });

  it('is deterministic per prompt and index, and differs across prompts', async () => {
    const call = (prompt: string) => imageGeneration({ model: 'mock/image-1', prompt, n: 2, size: '64x64' }, { env: {} });
    const [a, b, c] = await Promise.all([call('a fox'), call('a fox'), call('a hen')]);
    expect(a.data.map((d) => d.b64_json)).toEqual(b.data.map((d) => d.b64_json));
    expect(a.data[0]!.b64_json).not.toBe(a.data[1]!.b64_json);
    expect(c.data[0]!.b64_json).not.toBe(a.data[0]!.b64_json);
  });

  it('honours response_format url with a data: URL', async () => {
    const response = await imageGeneration({ model: 'mock/image-1', prompt: 'a fox', response_format: 'url', size: '16x16' }, { env: {} });
    const url = response.data[0]!.url!;
    expect(url.startsWith('data:image/png;base64,')).toBe(true);
    expect(pngInfo(url.slice('data:image/png;base64,'.length)).width).toBe(16);
  });

  it('simulates upstream errors with mock_error', async () => {
    const call = imageGeneration({ model: 'mock/image-1', prompt: 'a fox', mock_error: 429, num_retries: 0 }, { env: {} });
    await expect(call).rejects.toBeInstanceOf(RateLimitError);
    await expect(call).rejects.toMatchObject({ status: 429, provider: 'mock', code: 'mock_error' });
  });

  it('simulates latency that the timeout and the signal both cut short', async () => {
    const started = Date.now();
    await expect(
      imageGeneration({ model: 'mock/image-1', prompt: 'a fox', mock_latency_ms: 5000, timeout: 0.1, num_retries: 0 }, { env: {} }),
    ).rejects.toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(
      imageGeneration({ model: 'mock/image-1', prompt: 'a fox', mock_latency_ms: 5000, signal: controller.signal }, { env: {} }),
    ).rejects.toBeInstanceOf(APIUserAbortError);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('warns that an uncatalogued mock model is unvalidated and unpriced', async () => {
    const response = await imageGeneration({ model: 'mock/anything', prompt: 'a fox', size: '8x8' }, { env: {} });
    expect(response._hidden_params.warnings.map((w) => w.code)).toEqual(['unvalidated-model', 'unknown-price']);
  });
});
