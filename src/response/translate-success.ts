// A provider's 2xx answer -> the OpenAI ImagesResponse body. An answer without an image is an error.
import type { ImagesResponse } from '../../generated/canonical/types.js';
import { BadGatewayError } from '../errors/classes.js';
import { redactSecrets } from '../errors/redact.js';
import type { HttpResponse } from '../http/transport.js';
import type { ParsedImage } from '../provider/types.js';
import { upstreamMessage, type UpstreamErrorContext } from '../errors/map-upstream-error.js';

type Image = ImagesResponse['data'][number];

const SAFE_URL = /^(https?:\/\/|data:image\/[a-z0-9.+-]+;base64,)/i;

function failure(context: UpstreamErrorContext, detail: string): BadGatewayError {
  const { provider, model, secrets } = context;
  return new BadGatewayError(redactSecrets(`${provider.displayName} (${model}) ${detail}`, secrets), {
    provider: provider.id,
    model,
    code: 'bad_upstream_response',
  });
}

function toImage(parsed: ParsedImage, context: UpstreamErrorContext): Image | undefined {
  const image: Image = {};
  if (parsed.b64_json !== undefined && parsed.b64_json.length > 0) image.b64_json = parsed.b64_json;
  if (parsed.url !== undefined && parsed.url.length > 0) {
    if (!SAFE_URL.test(parsed.url)) throw failure(context, 'returned an image URL that is not http(s) or a data: image URL');
    image.url = parsed.url;
  }
  if (image.b64_json === undefined && image.url === undefined) return undefined;
  if (parsed.revised_prompt !== undefined) image.revised_prompt = parsed.revised_prompt;
  return image;
}

export function translateSuccess(context: UpstreamErrorContext, response: HttpResponse, now: () => number): ImagesResponse {
  let raw: unknown;
  try {
    raw = JSON.parse(response.body) as unknown;
  } catch {
    throw failure(context, `answered HTTP ${response.status} with a body that is not JSON`);
  }
  const parsed = context.provider.generate.parseResponse(raw);
  const data = parsed.images.map((image) => toImage(image, context)).filter((image): image is Image => image !== undefined);
  if (data.length === 0) {
    const said = upstreamMessage(context.provider.errors, raw);
    throw failure(context, said === undefined ? 'returned no image' : `returned no image: ${said}`);
  }
  const body: ImagesResponse = { created: parsed.created ?? Math.floor(now() / 1000), ...parsed.kept, data };
  if (parsed.usage !== undefined) body.usage = parsed.usage as ImagesResponse['usage'];
  return body;
}
