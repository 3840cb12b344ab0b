// A call answered with the finished images: retried on retryable failures, translated, priced.
import { withRetries } from '../http/retry.js';
import { DEFAULT_MAX_RESPONSE_BYTES, readText } from '../http/transport.js';
import { createImageResponse, type ImageResponse } from '../response/image-response.js';
import type { RawImageAnswer } from '../response/raw-answer.js';
import { translateSuccess } from '../response/translate-success.js';
import { attempt } from './attempt.js';
import type { PreparedCall, RunOptions } from './prepare-call.js';
import { priceOf } from './price-of.js';
import { largeAnswer, readLargeOrText, tooLargeError, type ReadAnswer } from './run-large-answer.js';

/** The whole answer, bounded: a provider that sends more than any image answer needs is a bad gateway. */
export function readAnswer(body: AsyncIterable<Uint8Array>, call: PreparedCall): Promise<string> {
  return readText(body, DEFAULT_MAX_RESPONSE_BYTES, () => tooLargeError(call));
}

/** With options.rawAnswers, a large answer comes as a RawImageAnswer (bytes to write out) rather than parsed. */
export async function runBuffered(call: PreparedCall, options: RunOptions, signal: AbortSignal | undefined): Promise<ImageResponse | RawImageAnswer> {
  const now = options.now ?? Date.now;
  let attempts = 0;
  const response = await withRetries(
    async (): Promise<ReadAnswer> => {
      attempts++;
      const answer = await attempt(call, options, signal);
      if (options.rawAnswers === true) return readLargeOrText(answer, call);
      return { kind: 'text', status: answer.status, headers: answer.headers, body: await readAnswer(answer.body, call) };
    },
    { numRetries: call.numRetries, signal },
  );
  // A 2xx was generated (and billed) upstream: a malformed one is an error, never a retry.
  if (response.kind === 'large') return largeAnswer(call, options, response, attempts);
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
