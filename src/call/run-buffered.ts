// A call answered with the finished images: retried on retryable failures, translated, priced.
import { modelPricing } from '../cost/model-pricing.js';
import { responseCost } from '../cost/response-cost.js';
import { BadGatewayError } from '../errors/classes.js';
import { withRetries } from '../http/retry.js';
import { DEFAULT_MAX_RESPONSE_BYTES, readText } from '../http/transport.js';
import { createImageResponse, type ImageResponse } from '../response/image-response.js';
import { translateSuccess } from '../response/translate-success.js';
import { attempt } from './attempt.js';
import type { CallOptions, PreparedCall } from './prepare-call.js';

/** The whole answer, bounded: a provider that sends more than any image answer needs is a bad gateway. */
export function readAnswer(body: AsyncIterable<Uint8Array>, call: PreparedCall): Promise<string> {
  const tooLarge = () =>
    new BadGatewayError(`${call.provider.displayName} sent a response larger than ${DEFAULT_MAX_RESPONSE_BYTES} bytes`, {
      provider: call.provider.id,
      model: call.model,
    });
  return readText(body, DEFAULT_MAX_RESPONSE_BYTES, tooLarge);
}

export async function runBuffered(call: PreparedCall, options: CallOptions, signal: AbortSignal | undefined): Promise<ImageResponse> {
  const now = options.now ?? Date.now;
  let attempts = 0;
  const response = await withRetries(
    async () => {
      attempts++;
      const answer = await attempt(call, options, signal);
      return { status: answer.status, headers: answer.headers, body: await readAnswer(answer.body, call) };
    },
    { numRetries: call.numRetries, signal },
  );
  // A 2xx was generated (and billed) upstream: a malformed one is an error, never a retry.
  const result = translateSuccess(call.context, { response, variant: call.variant, params: call.params, now });
  const cost = priceOf(call, options, result.body);
  return createImageResponse(result.body, {
    provider: call.provider.id,
    model: call.model,
    api_base: call.apiBase,
    warnings: [...call.warnings, ...result.warnings, ...(cost.warning === undefined ? [] : [cost.warning])],
    response_cost: cost.cost,
    attempts,
  });
}

export function priceOf(call: PreparedCall, options: CallOptions, body: Parameters<typeof responseCost>[0]['body']): ReturnType<typeof responseCost> {
  const priced =
    options.pricing !== undefined
      ? { pricing: options.pricing, priced: call.model }
      : modelPricing(call.provider, call.model, call.controls['base_model'] as string | undefined, call.operationName);
  return responseCost({
    pricing: priced.pricing,
    model: `${call.provider.displayName} ${priced.priced}`,
    params: { ...call.extras, ...call.params },
    body: body,
  });
}
