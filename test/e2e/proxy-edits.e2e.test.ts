// Image edits through the proxy as the official openai client sends them (multipart: image or image[], mask, text
// fields), and as JSON with base64 images: routed like generations to a local OpenAI-shaped upstream whose received
// multipart is checked part by part. Bad files are refused with a 400 (or 413) that says what is wrong, before any
// upstream is called.
import { randomBytes } from 'node:crypto';
import OpenAI, { AzureOpenAI, toFile } from 'openai';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../../src/builtin/png.js';
import { proxy } from './helpers/lifecycle.js';
import { expectEnvelope, post, send } from './helpers/proxy-http.js';
import { openaiDeployment, streamUpstream } from './helpers/stream-upstream.js';
import { openaiStreamEvents, type FormPart } from '../helpers/image-stream-upstream.js';

const PROMPT = 'add a red hat';

function png(width: number, height: number, seed = 1): Buffer {
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * seed) % 251;
  return encodePng(width, height, rgb);
}

function client(proxyUrl: string, apiKey = 'client-key'): OpenAI {
  return new OpenAI({ baseURL: `${proxyUrl}/v1`, apiKey, maxRetries: 0 });
}

function config(litellmParams: string, extra = ''): string {
  return `
model_list:
  - model_name: images
    litellm_params: ${litellmParams}
    model_info: { id: only }
${extra}`;
}

const field = (parts: FormPart[] | undefined, name: string): string | undefined => parts?.find((part) => part.name === name)?.value;
const files = (parts: FormPart[] | undefined, name: string): Buffer[] => (parts ?? []).filter((part) => part.name === name && part.bytes !== undefined).map((part) => part.bytes!);

function form(entries: [string, string | Blob, string?][]): FormData {
  const body = new FormData();
  for (const [name, value, filename] of entries) {
    if (typeof value === 'string') body.append(name, value);
    else body.append(name, value, filename);
  }
  return body;
}

const blob = (bytes: Buffer, type = 'image/png'): Blob => new Blob([new Uint8Array(bytes)], { type });

async function postForm(url: string, body: FormData, headers: Record<string, string> = {}) {
  return send(url, { method: 'POST', body, headers });
}

describe('proxy edits (e2e)', () => {
  it('edits one image with a mask: the upstream gets the image, mask and params as multipart', async () => {
    const upstream = await streamUpstream();
    const { url } = await proxy(config(openaiDeployment(upstream)));
    const image = png(64, 64, 3);
    const mask = png(64, 64, 7);
    const { data, response } = await client(url)
      .images.edit({
        model: 'images',
        image: await toFile(image, 'photo.png', { type: 'image/png' }),
        mask: await toFile(mask, 'mask.png', { type: 'image/png' }),
        prompt: PROMPT,
        n: 1,
        size: '1024x1024',
        quality: 'low',
        input_fidelity: 'high',
      })
      .withResponse();
    expect(data.data?.[0]?.b64_json).toBe('aGVsbG8=');
    expect(response.headers.get('x-imagegate-model-id')).toBe('only');
    expect(response.headers.get('x-imagegate-provider')).toBe('openai');

    expect(upstream.requests).toHaveLength(1);
    const received = upstream.requests[0]!;
    expect(received.path).toBe('/v1/images/edits');
    expect(received.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(received.headers['authorization']).toBe('Bearer sk-upstream-test');
    expect(files(received.parts, 'image')).toEqual([image]);
    expect(files(received.parts, 'mask')).toEqual([mask]);
    expect(received.parts!.find((part) => part.name === 'image')!.type).toBe('image/png');
    expect(field(received.parts, 'model')).toBe('gpt-image-1');
    expect(field(received.parts, 'prompt')).toBe(PROMPT);
    expect(field(received.parts, 'n')).toBe('1');
    expect(field(received.parts, 'size')).toBe('1024x1024');
    expect(field(received.parts, 'quality')).toBe('low');
    expect(field(received.parts, 'input_fidelity')).toBe('high');
  });

  it('edits several images (image[]) in order', async () => {
    const upstream = await streamUpstream();
    const { url } = await proxy(config(openaiDeployment(upstream)));
    const images = [png(32, 32, 1), png(48, 32, 2), png(32, 48, 5)];
    const result = await client(url).images.edit({
      model: 'images',
      image: await Promise.all(images.map((bytes, index) => toFile(bytes, `in-${index}.png`, { type: 'image/png' }))),
      prompt: 'combine them into one picture',
    });
    expect(result.data?.[0]?.b64_json).toBe('aGVsbG8=');
    const received = upstream.requests[0]!;
    expect(received.parts!.filter((part) => part.bytes !== undefined).map((part) => part.name)).toEqual(['image[]', 'image[]', 'image[]']);
    expect(files(received.parts, 'image[]')).toEqual(images);
  });

  it('streams an edit: image_edit.partial_image then image_edit.completed', async () => {
    const upstream = await streamUpstream({ kind: 'sse', events: openaiStreamEvents(2, { kind: 'image_edit', delayMs: 50 }) });
    const { url } = await proxy(config(openaiDeployment(upstream)));
    const stream = await client(url).images.edit({
      model: 'images',
      image: await toFile(png(32, 32), 'photo.png', { type: 'image/png' }),
      prompt: PROMPT,
      stream: true,
      partial_images: 2,
    });
    const events: OpenAI.Images.ImageEditStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((event) => event.type)).toEqual(['image_edit.partial_image', 'image_edit.partial_image', 'image_edit.completed']);
    expect(events[2]).toMatchObject({ b64_json: Buffer.from('final image').toString('base64') });
    const received = upstream.requests[0]!;
    expect(received.path).toBe('/v1/images/edits');
    expect(field(received.parts, 'stream')).toBe('true');
    expect(field(received.parts, 'partial_images')).toBe('2');
  });

  it('takes JSON edits with base64 and data: URL images', async () => {
    const upstream = await streamUpstream();
    const { url } = await proxy(config(openaiDeployment(upstream)));
    const first = png(32, 32, 1);
    const second = png(32, 32, 2);
    const reply = await post(`${url}/v1/images/edits`, {
      model: 'images',
      prompt: PROMPT,
      image: [first.toString('base64'), `data:image/png;base64,${second.toString('base64')}`],
      mask: first.toString('base64'),
    });
    expect(reply.status, reply.text).toBe(200);
    expect((reply.json as { data: { b64_json: string }[] }).data[0]!.b64_json).toBe('aGVsbG8=');
    const received = upstream.requests[0]!;
    expect(files(received.parts, 'image[]')).toEqual([first, second]);
    expect(files(received.parts, 'mask')).toEqual([first]);
  });

  it('serves /images/edits and the Azure deployments path (AzureOpenAI client)', async () => {
    const upstream = await streamUpstream();
    const { url } = await proxy(config(openaiDeployment(upstream)));
    const bare = await new OpenAI({ baseURL: url, apiKey: 'k', maxRetries: 0 }).images.edit({
      model: 'images',
      image: await toFile(png(16, 16), 'a.png', { type: 'image/png' }),
      prompt: PROMPT,
    });
    expect(bare.data?.[0]?.b64_json).toBe('aGVsbG8=');
    const azure = new AzureOpenAI({ endpoint: url, apiKey: 'k', apiVersion: '2025-04-01-preview', deployment: 'images', maxRetries: 0 });
    const viaAzure = await azure.images.edit({ model: 'images', image: await toFile(png(16, 16), 'a.png', { type: 'image/png' }), prompt: PROMPT });
    expect(viaAzure.data?.[0]?.b64_json).toBe('aGVsbG8=');
    expect(upstream.requests.map((request) => request.path)).toEqual(['/v1/images/edits', '/v1/images/edits']);
  });

  it('falls back to the next group when the first fails, sending the same files', async () => {
    const down = await streamUpstream({ kind: 'json', status: 500, body: { error: { message: 'down', type: 'server_error', param: null, code: null } } });
    const backup = await streamUpstream();
    const { url } = await proxy(`
router_settings: { num_retries: 0, fallbacks: [{ a: [b] }] }
model_list:
  - model_name: a
    litellm_params: ${openaiDeployment(down)}
    model_info: { id: a-only }
  - model_name: b
    litellm_params: ${openaiDeployment(backup)}
    model_info: { id: b-only }
`);
    const image = png(24, 24, 9);
    const { response } = await client(url)
      .images.edit({ model: 'a', image: await toFile(image, 'a.png', { type: 'image/png' }), prompt: PROMPT })
      .withResponse();
    expect(response.headers.get('x-imagegate-model-id')).toBe('b-only');
    expect(response.headers.get('x-imagegate-attempted-fallbacks')).toBe('1');
    expect(files(down.requests[0]!.parts, 'image')).toEqual([image]);
    expect(files(backup.requests[0]!.parts, 'image')).toEqual([image]);
  });

  describe('bad files: a clear 400 (or 413), and no upstream call', () => {
    it('a text file named x.png', async () => {
      const upstream = await streamUpstream();
      const { url } = await proxy(config(openaiDeployment(upstream)));
      const failure = await client(url)
        .images.edit({ model: 'images', image: await toFile(Buffer.from('just some text, not a picture'), 'x.png', { type: 'image/png' }), prompt: PROMPT })
        .then(
          () => undefined,
          (error: unknown) => error as InstanceType<typeof OpenAI.APIError>,
        );
      expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
      expect(failure!.message).toMatch(/image.*not an image imagegate recognizes \(PNG, JPEG, WebP or GIF\)/);
      expect(failure!.code).toBe('invalid_image_format');
      expect(upstream.requests).toHaveLength(0);
    });

    it('an image over the model limit (400) and a body over the proxy limit (413)', async () => {
      const upstream = await streamUpstream();
      const { url } = await proxy(`
model_list:
  - model_name: dalle2
    litellm_params: ${openaiDeployment(upstream, 'dall-e-2')}
  - model_name: images
    litellm_params: ${openaiDeployment(upstream)}
general_settings: { max_request_size_mb: 6 }
`);
      // 1200 x 1200 of noise: a real square PNG of about 4.3 MB, over dall-e-2's 4 MB.
      const big = encodePng(1200, 1200, randomBytes(1200 * 1200 * 3));
      expect(big.length).toBeGreaterThan(4 * 1024 * 1024);
      const overModel = await postForm(`${url}/v1/images/edits`, form([['model', 'dalle2'], ['prompt', PROMPT], ['image', blob(big), 'big.png']]));
      const modelError = expectEnvelope(overModel, 400, { code: 'image_too_large', param: 'image' });
      expect(modelError.message).toMatch(/image is 4\.\d+ MB; dall-e-2 takes files up to 4 MB/);

      const huge = Buffer.concat([big, big]); // 8.6 MB > 6 MB
      const overProxy = await postForm(`${url}/v1/images/edits`, form([['model', 'images'], ['prompt', PROMPT], ['image', blob(huge), 'huge.png']]));
      const proxyError = expectEnvelope(overProxy, 413, { code: 'request_too_large' });
      expect(proxyError.message).toContain('6 MB, general_settings.max_request_size_mb');

      const viaClient = await client(url)
        .images.edit({ model: 'images', image: await toFile(huge, 'huge.png', { type: 'image/png' }), prompt: PROMPT })
        .then(
          () => undefined,
          (error: unknown) => error as InstanceType<typeof OpenAI.APIError>,
        );
      expect(viaClient).toBeInstanceOf(OpenAI.APIError);
      expect(viaClient!.status).toBe(413);
      expect(upstream.requests).toHaveLength(0);
    });

    it('no image at all', async () => {
      const upstream = await streamUpstream();
      const { url } = await proxy(config(openaiDeployment(upstream)));
      const multipart = await postForm(`${url}/v1/images/edits`, form([['model', 'images'], ['prompt', PROMPT]]));
      const error = expectEnvelope(multipart, 400, { code: 'missing_image', param: 'image' });
      expect(error.message).toContain('Missing the image to edit: send it as a file part named "image"');
      const json = await post(`${url}/v1/images/edits`, { model: 'images', prompt: PROMPT });
      expect(expectEnvelope(json, 400, { code: 'missing_image', param: 'image' }).message).toContain('base64');
      const notAFile = await post(`${url}/v1/images/edits`, { model: 'images', prompt: PROMPT, image: { bytes: 'x' } });
      expectEnvelope(notAFile, 400, { code: 'invalid_image', param: 'image' });
      expect(upstream.requests).toHaveLength(0);
    });

    it('an unknown file field, an image sent as text, a mask of another size, too many files', async () => {
      const upstream = await streamUpstream();
      const { url } = await proxy(config(openaiDeployment(upstream)));
      const edits = `${url}/v1/images/edits`;
      const image = blob(png(32, 32));
      const unknown = await postForm(edits, form([['model', 'images'], ['prompt', PROMPT], ['image', image, 'a.png'], ['picture', image, 'b.png']]));
      expect(expectEnvelope(unknown, 400, { param: 'picture' }).message).toContain('Unexpected file part "picture"');

      const asText = await postForm(edits, form([['model', 'images'], ['prompt', PROMPT], ['image', 'iVBORw0KGgo=']]));
      expect(expectEnvelope(asText, 400, { param: 'image' }).message).toContain('send it as a file part');

      const mask = await postForm(edits, form([['model', 'images'], ['prompt', PROMPT], ['image', image, 'a.png'], ['mask', blob(png(16, 16)), 'm.png']]));
      expect(expectEnvelope(mask, 400, { code: 'invalid_mask_size', param: 'mask' }).message).toContain('mask is 16x16 but image is 32x32');

      const many = form([['model', 'images'], ['prompt', PROMPT]]);
      for (let index = 0; index < 18; index++) many.append('image[]', image, `${index}.png`);
      expectEnvelope(await postForm(edits, many), 400, { code: 'too_many_images', param: 'image' });

      const badNumber = await postForm(edits, form([['model', 'images'], ['prompt', PROMPT], ['n', 'two'], ['image', image, 'a.png']]));
      expect(expectEnvelope(badNumber, 400, { param: 'n' }).message).toContain('"n"');
      expect(upstream.requests).toHaveLength(0);
    });

    it('a truncated multipart body, a missing boundary, a non-form content type', async () => {
      const upstream = await streamUpstream();
      const { url } = await proxy(config(openaiDeployment(upstream)));
      const edits = `${url}/v1/images/edits`;
      const truncated = ['--XyZ', 'Content-Disposition: form-data; name="prompt"', '', PROMPT, '--XyZ', 'Content-Disposition: form-data; name="image"; filename="a.png"', 'Content-Type: image/png', '', 'partial bytes'].join('\r\n');
      const cut = await send(edits, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=XyZ' }, body: truncated });
      expect(expectEnvelope(cut, 400, { code: 'invalid_multipart' }).message).toContain('multipart/form-data body could not be read');

      const noBoundary = await send(edits, { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: truncated });
      expectEnvelope(noBoundary, 400, { code: 'invalid_multipart' });

      const text = await send(edits, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
      expect(expectEnvelope(text, 415, { code: 'unsupported_media_type' }).message).toContain('multipart/form-data');
      expect(upstream.requests).toHaveLength(0);

      // The proxy is still fine.
      const ok = await postForm(edits, form([['model', 'images'], ['prompt', PROMPT], ['image', blob(png(8, 8)), 'a.png']]));
      expect(ok.status, ok.text).toBe(200);
    });

    it('client credentials in a form field are refused like in JSON', async () => {
      const upstream = await streamUpstream();
      const { url } = await proxy(config(openaiDeployment(upstream)));
      const reply = await postForm(
        `${url}/v1/images/edits`,
        form([['model', 'images'], ['prompt', PROMPT], ['api_base', 'http://127.0.0.1:9/v1'], ['image', blob(png(8, 8)), 'a.png']]),
      );
      expectEnvelope(reply, 400, { code: 'client_side_credentials_not_allowed', param: 'api_base' });
      expect(upstream.requests).toHaveLength(0);
    });
  });
});
