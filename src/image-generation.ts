// imageGeneration(): the unified call. Validate -> resolve the provider -> enforce its catalog ->
// translate (generated) -> send with retries -> translate back (generated) or map the error.
import { registry as generatedRegistry } from '../generated/registry.js';
import type { ImageGenerationRequest } from '../generated/canonical/types.js';
import type { Pricing, Registry } from './provider/types.js';
import { modelPricing } from './cost/model-pricing.js';
import { responseCost } from './cost/response-cost.js';
import { assertNoAuthOverride, authorize } from './auth/apply-auth.js';
import { buildUrl, publicBase } from './dispatch/build-url.js';
import { resolveModel } from './dispatch/resolve-model.js';
import { BadRequestError } from './errors/classes.js';
import { mapUpstreamError, type UpstreamErrorContext } from './errors/map-upstream-error.js';
import { withRetries } from './http/retry.js';
import { sendHttp } from './http/transport.js';
import { splitParams } from './params/split-params.js';
import { validateRequest } from './params/validate-request.js';
import { createImageResponse, type ImageResponse } from './response/image-response.js';
import { translateSuccess } from './response/translate-success.js';
import { applyRules } from './rules/apply-rules.js';
import { resolveSettings, secretValues } from './settings/resolve-settings.js';
import { userAgent } from './version.js';

export type ImageGenerationParams = ImageGenerationRequest & { signal?: AbortSignal };

export interface CallOptions {
  /** Environment to read provider settings from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Clock in milliseconds (default: Date.now). */
  now?: () => number;
  /** The model registry to dispatch with (default: the one generated from spec/). */
  registry?: Registry;
  /** Told how long each provider HTTP call took (ms), failed ones included: the proxy's overhead = total - these. */
  onUpstreamDuration?: (ms: number) => void;
  /** The price to charge instead of the catalog's (a proxy deployment's model_info prices). */
  pricing?: Pricing;
}

const DEFAULT_TIMEOUT_SECONDS = 600;
const DEFAULT_NUM_RETRIES = 2;
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

function takeSignal(input: ImageGenerationParams): { request: Record<string, unknown>; signal: AbortSignal | undefined } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new BadRequestError('imageGeneration expects one object of params, e.g. { prompt: "a red fox" }.', { code: 'invalid_request' });
  }
  const { signal, ...request } = input;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new BadRequestError('signal must be an AbortSignal.', { param: 'signal', code: 'invalid_request' });
  }
  return { request, signal };
}

function extraHeaders(controls: Record<string, unknown>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries((controls['extra_headers'] as Record<string, string> | undefined) ?? {})) {
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower)) {
      throw new BadRequestError(`extra_headers may not set ${name}; imagegate manages it.`, { param: 'extra_headers', code: 'invalid_request' });
    }
    headers[lower] = value;
  }
  return headers;
}

export async function imageGeneration(input: ImageGenerationParams, options: CallOptions = {}): Promise<ImageResponse> {
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const registry = options.registry ?? generatedRegistry;
  const { request, signal } = takeSignal(input);
  validateRequest(request);
  const { params, controls, extras } = splitParams(request);
  if (params['stream'] === true) {
    throw new BadRequestError('imageGeneration does not stream images yet: omit stream (or set it to false) to get the finished images.', {
      param: 'stream',
      code: 'streaming_unsupported',
    });
  }
  const resolved = resolveModel(registry, controls['model'] as string | undefined, controls['custom_llm_provider'] as string | undefined);
  const provider = await registry.load(resolved.providerId);
  const settings = await resolveSettings(provider, controls, env);
  const rules = applyRules({
    provider,
    model: resolved.model,
    apiVersion: settings['api_version'],
    baseModel: controls['base_model'] as string | undefined,
    params,
    extras,
    dropParams: controls['drop_params'] === true,
  });
  const { variant } = rules;
  if (variant.extra === 'reject' && Object.keys(rules.extras).length > 0) {
    throw new BadRequestError(`${provider.displayName} accepts no provider-specific params (got ${Object.keys(rules.extras).join(', ')}).`, {
      param: Object.keys(rules.extras)[0] ?? null,
      provider: provider.id,
      model: resolved.model,
      code: 'unsupported_param',
    });
  }
  const wire = variant.buildRequest({ model: resolved.model, params: rules.params, extras: rules.extras, settings });
  const base = settings[provider.generate.baseSetting]!;
  const url = buildUrl(provider.generate, base, wire, variant.pathTemplate);
  const callerHeaders = extraHeaders(controls);
  const baseHeaders = { 'content-type': 'application/json', accept: 'application/json', 'user-agent': userAgent, ...callerHeaders };
  const body = JSON.stringify(wire.body);
  const secrets = secretValues(provider, settings);
  const context: UpstreamErrorContext = { provider, model: resolved.model, secrets };
  const timeoutMs = ((controls['timeout'] as number | undefined) ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  let attempts = 0;
  const response = await withRetries(
    async () => {
      attempts++;
      // Signed per attempt: a signature carries its time, and temporary credentials may have been refreshed.
      const auth = await authorize(provider, settings, { url, method: wire.method, headers: baseHeaders, body }, now);
      assertNoAuthOverride(callerHeaders, auth);
      secrets.push(...auth.secrets.filter((secret) => !secrets.includes(secret)));
      const started = performance.now();
      const answer = await sendHttp(
        { url: url.toString(), method: wire.method, headers: { ...baseHeaders, ...auth.headers }, body },
        { timeoutMs, signal, context: { provider: provider.id, model: resolved.model } },
      ).finally(() => options.onUpstreamDuration?.(performance.now() - started));
      if (answer.status >= 300) throw mapUpstreamError(context, answer);
      return answer;
    },
    { numRetries: (controls['num_retries'] as number | undefined) ?? DEFAULT_NUM_RETRIES, signal },
  );
  // A 2xx was generated (and billed) upstream: a malformed one is an error, never a retry.
  const result = translateSuccess(context, { response, variant, params: rules.params, now });
  const priced = options.pricing !== undefined ? { pricing: options.pricing, priced: resolved.model } : modelPricing(provider, resolved.model, controls['base_model'] as string | undefined);
  const cost = responseCost({ pricing: priced.pricing, model: `${provider.displayName} ${priced.priced}`, params: { ...rules.extras, ...rules.params }, body: result.body });
  return createImageResponse(result.body, {
    provider: provider.id,
    model: resolved.model,
    api_base: publicBase(base),
    warnings: [...rules.warnings, ...result.warnings, ...(cost.warning === undefined ? [] : [cost.warning])],
    response_cost: cost.cost,
    attempts,
  });
}
