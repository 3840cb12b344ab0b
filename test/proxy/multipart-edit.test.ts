// How the edit routes read a request, in process, on a stub router that records what it is asked: multipart parts
// to the SDK's params (image or image[] to a Buffer or an array, clean number/boolean literals converted, anything
// else kept as text for validation to refuse), JSON edits as they are, and the Azure path's model.
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../src/builtin/png.js';
import { fieldValue } from '../../src/proxy/multipart-edit.js';
import { buildProxy } from '../../src/proxy/server.js';
import type { Router } from '../../src/router/router.js';
import { createImageResponse } from '../../src/response/image-response.js';

const calls: Record<string, unknown>[] = [];
const router = {
  settings: { numRetries: 2 },
  modelGroups: () => ['images'],
  deployments: () => [],
  generationCall: async () => {
    throw new Error('not under test');
  },
  editCall: async (params: Record<string, unknown>) => {
    calls.push(params);
    return createImageResponse(
      { created: 1, data: [{ b64_json: 'aGVsbG8=' }] },
      { provider: 'stub', model: 'stub', api_base: '', warnings: [], response_cost: null, attempts: 1 },
    );
  },
} as unknown as Router;
const app = buildProxy({ router, logger: pino({ level: 'silent' }), masterKey: undefined, allowClientSideCredentials: false, maxRequestSizeMb: 1, health: { draining: false }, startedAtSeconds: 0 });

afterAll(async () => {
  await app.close();
});

const image = encodePng(4, 4, Buffer.alloc(48, 200));

async function postForm(url: string, body: FormData) {
  const request = new Request('http://x/', { method: 'POST', body });
  const payload = Buffer.from(await request.arrayBuffer());
  return app.inject({ method: 'POST', url, payload, headers: { 'content-type': request.headers.get('content-type')! } });
}

describe('multipart edits', () => {
  it.each([
    ['n', '2', 2],
    ['n', '2.5', '2.5'],
    ['n', ' 2', ' 2'],
    ['n', 'two', 'two'],
    ['partial_images', '0', 0],
    ['output_compression', '80', 80],
    ['timeout', '12.5', 12.5],
    ['stream', 'true', true],
    ['stream', 'false', false],
    ['stream', 'True', 'True'],
    ['stream', '1', '1'],
    ['prompt', '42', '42'],
    ['size', '1024x1024', '1024x1024'],
  ])('field %s=%j becomes %j', (name, text, value) => {
    expect(fieldValue(name, text)).toEqual(value);
  });

  it('passes one image as a Buffer, several (image[]) as an array, a mask, typed fields', async () => {
    calls.length = 0;
    const one = new FormData();
    one.append('model', 'images');
    one.append('prompt', 'a hat');
    one.append('n', '2');
    one.append('image', new Blob([image], { type: 'image/png' }), 'a.png');
    one.append('mask', new Blob([image], { type: 'image/png' }), 'm.png');
    expect((await postForm('/v1/images/edits', one)).statusCode).toBe(200);
    expect(calls[0]).toMatchObject({ model: 'images', prompt: 'a hat', n: 2 });
    expect(Buffer.isBuffer(calls[0]!['image'])).toBe(true);
    expect(Buffer.compare(calls[0]!['image'] as Buffer, image)).toBe(0);
    expect(Buffer.compare(calls[0]!['mask'] as Buffer, image)).toBe(0);
    expect(calls[0]!['signal']).toBeInstanceOf(AbortSignal);

    const many = new FormData();
    many.append('prompt', 'merge');
    many.append('image[]', new Blob([image]), 'a.png');
    many.append('image[]', new Blob([image]), 'b.png');
    expect((await postForm('/openai/deployments/images/images/edits', many)).statusCode).toBe(200);
    expect(calls[1]).toMatchObject({ model: 'images', prompt: 'merge' });
    expect(calls[1]!['image']).toHaveLength(2);

    const repeated = new FormData();
    repeated.append('model', 'images');
    repeated.append('prompt', 'merge');
    repeated.append('image', new Blob([image]), 'a.png');
    repeated.append('image', new Blob([image]), 'b.png');
    expect((await postForm('/images/edits', repeated)).statusCode).toBe(200);
    expect(calls[2]!['image']).toHaveLength(2);
  });

  it('refuses a field sent twice and a field value over the size limit', async () => {
    const twice = new FormData();
    twice.append('prompt', 'a');
    twice.append('prompt', 'b');
    twice.append('image', new Blob([image]), 'a.png');
    const answer = await postForm('/v1/images/edits', twice);
    expect(answer.statusCode).toBe(400);
    expect(answer.json().error).toMatchObject({ param: 'prompt', message: 'Form field "prompt" was sent more than once.' });

    const long = new FormData();
    long.append('prompt', 'x'.repeat(200 * 1024));
    long.append('image', new Blob([image]), 'a.png');
    const tooLong = await postForm('/v1/images/edits', long);
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().error.message).toContain('Form field "prompt" is longer than 128 KB');
  });

  it('answers 413 for a file over max_request_size_mb, and for a declared Content-Length over it', async () => {
    const big = new FormData();
    big.append('prompt', 'a');
    big.append('image', new Blob([Buffer.alloc(1024 * 1024 + 10)]), 'a.png');
    const answer = await postForm('/v1/images/edits', big);
    expect(answer.statusCode).toBe(413);
    expect(answer.json().error).toMatchObject({ code: 'request_too_large' });
  });

  it('keeps multipart off the generation routes (415)', async () => {
    const body = new FormData();
    body.append('prompt', 'a');
    const answer = await postForm('/v1/images/generations', body);
    expect(answer.statusCode).toBe(415);
  });
});
