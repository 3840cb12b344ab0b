// A provider's 2xx answer -> the OpenAI ImagesResponse body. An answer without an image is an error:
// a content filter is a ContentPolicyViolationError with the provider's reason, anything else a bad
// gateway. Images that did come back are kept, with a warning naming what was filtered.
import type { ImagesResponse } from '../../generated/canonical/types.js';
import { BadGatewayError, ContentPolicyViolationError } from '../errors/classes.js';
import { redactSecrets } from '../errors/redact.js';
import type { HttpResponse } from '../http/transport.js';
import type { GenerateVariant, ImageOutcomeRule, ParsedImage } from '../provider/types.js';
import { upstreamMessage, type UpstreamErrorContext } from '../errors/map-upstream-error.js';
import type { Warning } from './warnings.js';

type Image = ImagesResponse['data'][number];

const SAFE_URL = /^(https?:\/\/|data:image\/[a-z0-9.+-]+;base64,)/i;

export interface SuccessInput {
  response: HttpResponse;
  variant: GenerateVariant;
  /** The unified params sent (response_format and data_url's param decide data: URLs). */
  params: Readonly<Record<string, unknown>>;
  now: () => number;
}

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

interface Failed {
  reason: string;
  filtered: boolean;
}

function failedReason(image: ParsedImage, rule: ImageOutcomeRule | undefined): Failed | undefined {
  const reason = image.reason;
  if (rule === undefined || reason === undefined || reason === null || rule.success.includes(reason)) return undefined;
  const filtered = rule.filtered.in?.includes(reason) === true || (rule.filtered.matches !== undefined && new RegExp(rule.filtered.matches, 'i').test(reason));
  return { reason, filtered };
}

function describe(failures: Failed[]): string {
  const counts = new Map<string, number>();
  for (const { reason } of failures) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => (count > 1 ? `${reason} (×${count})` : reason)).join(', ');
}

function noImageError(context: UpstreamErrorContext, failures: Failed[], moderation: string | undefined, raw: unknown): Error {
  const { provider, model, secrets } = context;
  const filtered = failures.filter((f) => f.filtered);
  if (filtered.length > 0 || moderation !== undefined) {
    const reasons = [moderation, filtered.length > 0 ? describe(filtered) : undefined].filter((r) => r !== undefined).join('; ');
    return new ContentPolicyViolationError(redactSecrets(`${provider.displayName} (${model}) blocked the request: ${reasons}. Rephrase the prompt.`, secrets), {
      status: 400,
      provider: provider.id,
      model,
      code: 'content_policy_violation',
    });
  }
  if (failures.length > 0) return failure(context, `returned no image: ${describe(failures)}`);
  const said = upstreamMessage(context.provider.errors, raw);
  return failure(context, said === undefined ? 'returned no image' : `returned no image: ${said}`);
}

function mediaType(variant: GenerateVariant, params: Readonly<Record<string, unknown>>): string {
  const rule = variant.dataUrl!;
  const chosen = rule.byParam === undefined ? undefined : params[rule.byParam.param];
  return (typeof chosen === 'string' ? rule.byParam?.mediaTypes[chosen] : undefined) ?? rule.mediaType;
}

/** Bytes-only providers: a caller that asked for URLs gets data: URLs it can fetch or embed. */
function asDataUrls(data: Image[], input: Omit<SuccessInput, 'response'>, warnings: Warning[]): Image[] {
  if (input.variant.dataUrl === undefined || input.params['response_format'] !== 'url') return data;
  const type = mediaType(input.variant, input.params);
  warnings.push({
    code: 'data-url',
    message: `This provider returns image bytes only, so each url is a data:${type};base64 URL carrying the image itself, not a hosted link.`,
  });
  return data.map(({ b64_json, ...rest }) => (b64_json === undefined ? rest : { ...rest, url: `data:${type};base64,${b64_json}` }));
}

export function notJsonError(context: UpstreamErrorContext, status: number): BadGatewayError {
  return failure(context, `answered HTTP ${status} with a body that is not JSON`);
}

export function translateSuccess(context: UpstreamErrorContext, input: SuccessInput): { body: ImagesResponse; warnings: Warning[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(input.response.body) as unknown;
  } catch {
    throw notJsonError(context, input.response.status);
  }
  return translateParsed(context, raw, input);
}

/** The translation of an answer already parsed (or of a skeleton whose image strings are blob markers). */
export function translateParsed(context: UpstreamErrorContext, raw: unknown, input: Omit<SuccessInput, 'response'>): { body: ImagesResponse; warnings: Warning[] } {
  const parsed = input.variant.parseResponse(raw);
  const failures: Failed[] = [];
  const images: Image[] = [];
  for (const item of parsed.images) {
    const failed = failedReason(item, input.variant.outcome);
    if (failed !== undefined) {
      failures.push(failed);
      continue;
    }
    const image = toImage(item.revised_prompt === undefined && parsed.revisedPrompt !== undefined ? { ...item, revised_prompt: parsed.revisedPrompt } : item, context);
    if (image !== undefined) images.push(image);
  }
  if (images.length === 0) throw noImageError(context, failures, parsed.moderationMessage, raw);
  const warnings: Warning[] = [];
  if (failures.length > 0 || parsed.moderationMessage !== undefined) {
    const what = [parsed.moderationMessage, failures.length > 0 ? `${failures.length} image(s) not returned: ${describe(failures)}` : undefined];
    warnings.push({
      code: 'partially-filtered',
      message: redactSecrets(`${images.length} image(s) returned; ${what.filter((w) => w !== undefined).join('; ')}.`, context.secrets),
    });
  }
  const data = asDataUrls(images, input, warnings);
  const body: ImagesResponse = { created: parsed.created ?? Math.floor(input.now() / 1000), ...parsed.kept, data };
  if (parsed.usage !== undefined) body.usage = parsed.usage as ImagesResponse['usage'];
  return { body, warnings };
}
