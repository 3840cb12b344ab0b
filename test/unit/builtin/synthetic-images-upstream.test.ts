// The synthetic-images upstream called directly: generations, multipart edits, streams, simulations.
import { describe, expect, it } from 'vitest';
import type { HttpRequest } from '../../../src/http/transport.js';
import { syntheticPng } from '../../../src/builtin/synthetic-image.js';
import { handleSyntheticImages } from '../../../src/builtin/synthetic-images-upstream.js';
import type { BuiltinResponse } from '../../../src/builtin/upstreams.js';

const BASE = 'builtin://synthetic-images/v1';
const PNG_64 = syntheticPng('input a', 0, 64, 64);
const PNG_64_B = syntheticPng('input b', 0, 64, 64);
const PNG_48x32 = syntheticPng('input c', 0, 48, 32);

function pngSize(b64: string): [number, number] {
  const png = Buffer.from(b64, 'base64');
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

function generation(body: Record<string, unknown>): HttpRequest {
  return { url: `${BASE}/images/generations`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

type Part = string | { file: Uint8Array; type?: string; filename?: string };

/** A multipart request built the way the runtime sends it: bytes plus a content-type with the boundary. */
async function edit(fields: Record<string, Part | Part[]>): Promise<HttpRequest> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    for (const part of Array.isArray(value) ? value : [value]) {
      if (typeof part === 'string') form.append(name, part);
      else form.append(name, new Blob([part.file], { type: part.type ?? 'image/png' }), part.filename ?? 'image.png');
    }
  }
  const encoded = new Request('http://localhost/', { method: 'POST', body: form });
  const body = new Uint8Array(await encoded.arrayBuffer());
  return { url: `${BASE}/images/edits`, method: 'POST', headers: { 'content-type': encoded.headers.get('content-type')! }, body };
}

const png = (file: Uint8Array) => ({ file });
const call = (request: HttpRequest, signal = new AbortController().signal) => handleSyntheticImages(request, signal);

function jsonOf(response: BuiltinResponse): Record<string, unknown> {
  expect(response.stream).toBeUndefined();
  return JSON.parse(response.body) as Record<string, unknown>;
}

interface ServerEvent {
  event: string;
  data: Record<string, unknown>;
  at: number;
}

/** Reads a text/event-stream body event by event, noting when each arrived. */
async function readEvents(response: BuiltinResponse): Promise<ServerEvent[]> {
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('text/event-stream');
  const started = Date.now();
  const events: ServerEvent[] = [];
  let text = '';
  for await (const chunk of response.stream!) {
    text += Buffer.from(chunk).toString('utf8');
    let end: number;
    while ((end = text.indexOf('\n\n')) !== -1) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const event = /^event: (.+)$/m.exec(block)![1]!;
      const data = JSON.parse(/^data: (.+)$/m.exec(block)![1]!) as Record<string, unknown>;
      events.push({ event, data, at: Date.now() - started });
    }
  }
  expect(text).toBe('');
  return events;
}

describe('synthetic-images upstream: generations', () => {
  it('answers PNGs of the requested size and count, deterministically', async () => {
    const first = jsonOf(await call(generation({ prompt: 'a fox', n: 2, size: '40x30' })));
    expect(first).toMatchObject({ output_format: 'png', size: '40x30' });
    const data = first['data'] as { b64_json: string }[];
    expect(data.map((d) => pngSize(d.b64_json))).toEqual([[40, 30], [40, 30]]);
    const again = jsonOf(await call(generation({ prompt: 'a fox', n: 2, size: '40x30' })));
    expect(again['data']).toEqual(data);
  });

  it('answers 404 for anything but POST images/generations or images/edits', async () => {
    const response = await call({ url: `${BASE}/images/variations`, method: 'POST', headers: {}, body: '{}' });
    expect(response.status).toBe(404);
    expect(jsonOf(response)).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('synthetic-images upstream: edits (multipart)', () => {
  it('edits one image: the result has the first image\'s size by default and is deterministic', async () => {
    const response = await call(await edit({ image: png(PNG_48x32), prompt: 'add a hat' }));
    expect(response.status).toBe(200);
    const body = jsonOf(response);
    expect(body['size']).toBe('48x32');
    const [image] = body['data'] as { b64_json: string }[];
    expect(pngSize(image!.b64_json)).toEqual([48, 32]);
    const again = jsonOf(await call(await edit({ image: png(PNG_48x32), prompt: 'add a hat' })));
    expect(again['data']).toEqual(body['data']);
  });

  it('draws from the prompt and the input bytes: another image, mask or prompt gives another picture', async () => {
    const picture = async (fields: Record<string, Part | Part[]>) => (jsonOf(await call(await edit({ size: '16x16', ...fields })))['data'] as { b64_json: string }[])[0]!.b64_json;
    const base = await picture({ image: png(PNG_64), prompt: 'add a hat' });
    expect(await picture({ image: png(PNG_64_B), prompt: 'add a hat' })).not.toBe(base);
    expect(await picture({ image: png(PNG_64), prompt: 'add a scarf' })).not.toBe(base);
    expect(await picture({ image: png(PNG_64), mask: png(PNG_64_B), prompt: 'add a hat' })).not.toBe(base);
    expect(await picture({ image: png(PNG_64), prompt: 'add a hat' })).toBe(base);
  });

  it('takes several image[] parts, a mask, n, size and response_format from text fields', async () => {
    const request = await edit({
      'image[]': [png(PNG_64), { file: Buffer.from(PNG_48x32), type: 'application/octet-stream', filename: 'blob' }],
      mask: png(PNG_64_B),
      prompt: 'put them together',
      n: '2',
      size: '24x20',
      response_format: 'url',
    });
    const body = jsonOf(await call(request));
    const data = body['data'] as { url: string }[];
    expect(data).toHaveLength(2);
    for (const { url } of data) {
      expect(url.startsWith('data:image/png;base64,')).toBe(true);
      expect(pngSize(url.slice('data:image/png;base64,'.length))).toEqual([24, 20]);
    }
  });

  it('needs no prompt for an edit', async () => {
    const response = await call(await edit({ image: png(PNG_64) }));
    expect(response.status).toBe(200);
  });

  it.each([
    ['no image', {} as Record<string, Part | Part[]>, 'image', 'missing_required_parameter'],
    ['a text image field', { image: 'aGVsbG8=' }, 'image', 'invalid_image'],
    ['a file that is not an image', { image: { file: Buffer.from('hello, not a picture') } }, 'image', 'invalid_image_format'],
    ['a mask that is not an image', { image: png(PNG_64), mask: { file: Buffer.from('nope') } }, 'mask', 'invalid_image_format'],
    ['17 images', { 'image[]': Array.from({ length: 17 }, () => png(PNG_64)) }, 'image', 'too_many_images'],
    ['n out of range', { image: png(PNG_64), n: '11' }, 'n', 'invalid_value'],
    ['a size too large', { image: png(PNG_64), size: '4096x4096' }, 'size', 'invalid_value'],
    ['stream not a boolean', { image: png(PNG_64), stream: 'yes' }, 'stream', 'invalid_value'],
  ])('refuses %s with a 400', async (_label, fields, param, code) => {
    const response = await call(await edit({ prompt: 'x', ...fields }));
    expect(response.status).toBe(400);
    expect(jsonOf(response)).toMatchObject({ error: { param, code, type: 'invalid_request_error' } });
  });

  it('refuses a body that is not multipart/form-data', async () => {
    const response = await call({ url: `${BASE}/images/edits`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"x"}' });
    expect(response.status).toBe(400);
    expect(jsonOf(response)).toMatchObject({ error: { code: 'invalid_content_type' } });
    const broken = await call({ url: `${BASE}/images/edits`, method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=zzz' }, body: new Uint8Array([1, 2, 3]) });
    expect(broken.status).toBe(400);
    expect(jsonOf(broken)).toMatchObject({ error: { code: 'invalid_multipart' } });
  });

  it('simulates an upstream error and latency on edits too (form fields are text)', async () => {
    const failed = await call(await edit({ image: png(PNG_64), mock_error: '503' }));
    expect(failed.status).toBe(503);
    expect(jsonOf(failed)).toMatchObject({ error: { code: 'mock_error', type: 'server_error' } });
    const started = Date.now();
    const slow = await call(await edit({ image: png(PNG_64), mock_latency_ms: '60' }));
    expect(slow.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('cancelled')), 20);
    await expect(call(await edit({ image: png(PNG_64), mock_latency_ms: '5000' }), controller.signal)).rejects.toThrow('cancelled');
  });
});

describe('synthetic-images upstream: streams', () => {
  it('streams partial images then one completed event per image, shaped like OpenAI\'s generation stream', async () => {
    const response = await call(generation({ prompt: 'a fox', n: 2, size: '32x24', stream: true, partial_images: 2, mock_partial_interval_ms: 0 }));
    const events = await readEvents(response);
    expect(events.map((e) => `${e.event}:${String(e.data['partial_image_index'] ?? '-')}`)).toEqual([
      'image_generation.partial_image:0',
      'image_generation.partial_image:1',
      'image_generation.completed:-',
      'image_generation.partial_image:0',
      'image_generation.partial_image:1',
      'image_generation.completed:-',
    ]);
    for (const { event, data } of events) {
      expect(data['type']).toBe(event);
      expect(data).toMatchObject({ size: '32x24', quality: 'auto', background: 'opaque', output_format: 'png' });
      expect(Number.isInteger(data['created_at'])).toBe(true);
      expect(pngSize(data['b64_json'] as string)).toEqual([32, 24]);
    }
    const completed = events.filter((e) => e.event.endsWith('.completed'));
    expect(completed[0]!.data['usage']).toEqual({
      input_tokens: 2,
      output_tokens: 1 + 200,
      total_tokens: 203,
      input_tokens_details: { text_tokens: 2, image_tokens: 0 },
      output_tokens_details: { image_tokens: 201, text_tokens: 0 },
    });
    // The completed images are the ones a non-streamed call returns; the partials differ from them and each other.
    const plain = jsonOf(await call(generation({ prompt: 'a fox', n: 2, size: '32x24' })));
    expect(completed.map((e) => e.data['b64_json'])).toEqual((plain['data'] as { b64_json: string }[]).map((d) => d.b64_json));
    const [p0, p1, final] = events.slice(0, 3).map((e) => e.data['b64_json']);
    expect(new Set([p0, p1, final]).size).toBe(3);
  });

  it('streams an edit as image_edit.* events, with the input images counted in usage', async () => {
    const response = await call(await edit({ image: png(PNG_64), prompt: 'add a hat', size: '16x16', stream: 'true', partial_images: '1', mock_partial_interval_ms: '0' }));
    const events = await readEvents(response);
    expect(events.map((e) => e.event)).toEqual(['image_edit.partial_image', 'image_edit.completed']);
    expect(events[1]!.data['usage']).toMatchObject({ input_tokens_details: { image_tokens: 85 } });
  });

  it('sends only the completed event without partial_images, and JSON when stream is false', async () => {
    expect((await readEvents(await call(generation({ prompt: 'a fox', size: '8x8', stream: true, mock_partial_interval_ms: 0 })))).map((e) => e.event)).toEqual([
      'image_generation.completed',
    ]);
    const plain = await call(generation({ prompt: 'a fox', size: '8x8', stream: false, partial_images: 2 }));
    expect(plain.headers['content-type']).toBe('application/json');
  });

  it('spaces the events by mock_partial_interval_ms, producing each as it is read (no buffering)', async () => {
    const events = await readEvents(await call(generation({ prompt: 'a fox', size: '8x8', stream: true, partial_images: 2, mock_partial_interval_ms: 40 })));
    expect(events).toHaveLength(3);
    expect(events[0]!.at).toBeGreaterThanOrEqual(30);
    expect(events[1]!.at - events[0]!.at).toBeGreaterThanOrEqual(30);
    expect(events[2]!.at - events[1]!.at).toBeGreaterThanOrEqual(30);
  });

  it('stops promptly when the signal fires mid-stream', async () => {
    const controller = new AbortController();
    const response = await call(generation({ prompt: 'a fox', size: '8x8', stream: true, partial_images: 3, mock_partial_interval_ms: 0, n: 1 }), controller.signal);
    const iterator = response.stream![Symbol.asyncIterator]();
    await iterator.next();
    const slow = await call(generation({ prompt: 'a fox', size: '8x8', stream: true, partial_images: 3, mock_partial_interval_ms: 10_000 }), controller.signal);
    const slowIterator = slow.stream![Symbol.asyncIterator]();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('client went away')), 30);
    await expect(slowIterator.next()).rejects.toThrow('client went away');
    await expect(iterator.next()).rejects.toThrow('client went away');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it.each([
    [{ partial_images: 4 }, 'partial_images'],
    [{ partial_images: 1.5 }, 'partial_images'],
    [{ mock_partial_interval_ms: 10_001 }, 'mock_partial_interval_ms'],
    [{ mock_partial_interval_ms: -1 }, 'mock_partial_interval_ms'],
    [{ stream: 'true' }, 'stream'],
  ])('refuses %j before streaming', async (params, param) => {
    const response = await call(generation({ prompt: 'a fox', stream: true, ...params }));
    expect(response.status).toBe(400);
    expect(jsonOf(response)).toMatchObject({ error: { param, code: 'invalid_value' } });
  });

  it('answers mock_error as a JSON error, not a stream', async () => {
    const response = await call(generation({ prompt: 'a fox', stream: true, mock_error: 429 }));
    expect(response.status).toBe(429);
    expect(jsonOf(response)).toMatchObject({ error: { code: 'mock_error' } });
  });
});
