// Large 2xx answers, for a caller that writes them out again (the proxy) rather than reading them as objects.
// Multi-megabyte base64 images are never decoded into strings, parsed or re-serialised: an answer already in the
// OpenAI shape is streamed through as it arrives, once its first image has started (usage, cost and the final
// checks are read on the way); any other answer is read whole, its skeleton translated as usual, and the image
// bytes spliced back in where the translation put them.
import type { ImagesResponse } from '../../generated/canonical/types.js';
import { APIUserAbortError, BadGatewayError } from '../errors/classes.js';
import { DEFAULT_MAX_RESPONSE_BYTES, type StreamingHttpResponse } from '../http/transport.js';
import { BlobScanner, serializeWithBlobs } from '../response/blob-scanner.js';
import { RawImageAnswer, type RawAnswerSummary } from '../response/raw-answer.js';
import { notJsonError, translateParsed } from '../response/translate-success.js';
import type { Warning } from '../response/warnings.js';
import type { PreparedCall, RunOptions } from './prepare-call.js';
import { priceOf } from './price-of.js';

/** Answers from this size on are handled here; smaller ones are parsed as usual. */
export const LARGE_ANSWER_BYTES = 256 * 1024;

export type ReadAnswer =
  | { kind: 'text'; status: number; headers: Record<string, string>; body: string }
  | {
      kind: 'large';
      status: number;
      headers: Record<string, string>;
      scanner: BlobScanner;
      /** Streamed through: the bytes read so far (not yet written) and the rest of the body. */
      through?: { held: Buffer[]; rest: AsyncIterator<Uint8Array> };
    };

export function tooLargeError(call: PreparedCall): BadGatewayError {
  return new BadGatewayError(`${call.provider.displayName} sent a response larger than ${DEFAULT_MAX_RESPONSE_BYTES} bytes`, {
    provider: call.provider.id,
    model: call.model,
  });
}

const asBuffer = (chunk: Uint8Array): Buffer => (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));

/**
 * Reads a 2xx answer far enough to know how to answer it: a small one whole, as text; a large OpenAI-shaped one
 * until its first image has started (an error or image-less answer is read to the end and handled as text);
 * any other large one whole, scanned.
 */
export async function readLargeOrText(response: StreamingHttpResponse, call: PreparedCall): Promise<ReadAnswer> {
  const { status, headers } = response;
  const iterator = response.body[Symbol.asyncIterator]();
  let held: Buffer[] = [];
  let size = 0;
  const next = async (): Promise<Buffer | undefined> => {
    const step = await iterator.next();
    if (step.done === true) return undefined;
    const chunk = asBuffer(step.value);
    size += chunk.length;
    if (size > DEFAULT_MAX_RESPONSE_BYTES) throw tooLargeError(call);
    return chunk;
  };
  const asText = (): ReadAnswer => ({ kind: 'text', status, headers, body: Buffer.concat(held).toString('utf8') });
  // A declared length says at once which way to go, so a large answer starts flowing with its first chunk.
  const declared = Number(headers['content-length']);
  const knownLarge = Number.isSafeInteger(declared) && declared >= LARGE_ANSWER_BYTES;
  try {
    while (!knownLarge && size < LARGE_ANSWER_BYTES) {
      const chunk = await next();
      if (chunk === undefined) return asText();
      held.push(chunk);
    }
    const streamThrough = call.variant.canonicalShape;
    const scanner = new BlobScanner({ keepBlobs: !streamThrough });
    for (const chunk of held) scanner.push(chunk);
    if (!streamThrough) held = [];
    for (;;) {
      if (streamThrough && scanner.imageStarted && !scanner.topLevelKeys.has('error')) {
        return { kind: 'large', status, headers, scanner, through: { held, rest: iterator } };
      }
      const chunk = await next();
      if (chunk === undefined) break;
      scanner.push(chunk);
      if (streamThrough) held.push(chunk);
    }
    // Streamed through, but the body ended before an image started: an error or image-less answer, handled as usual.
    return streamThrough ? asText() : { kind: 'large', status, headers, scanner };
  } catch (error) {
    await iterator.return?.();
    throw error;
  }
}

function translateSkeleton(call: PreparedCall, scanner: BlobScanner, status: number, now: () => number): { body: ImagesResponse; warnings: Warning[] } {
  if (!scanner.complete) {
    throw new BadGatewayError(`${call.provider.displayName} (${call.model}) sent an answer cut short after ${scanner.length} bytes`, {
      provider: call.provider.id,
      model: call.model,
      code: 'bad_upstream_response',
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(scanner.skeletonText()) as unknown;
  } catch {
    throw notJsonError(call.context, status);
  }
  return translateParsed(call.context, raw, { variant: call.variant, params: call.params, now });
}

function summarize(call: PreparedCall, options: RunOptions, translated: { body: ImagesResponse; warnings: Warning[] }): RawAnswerSummary {
  const cost = priceOf(call, options, translated.body);
  const usage = translated.body.usage as Record<string, unknown> | undefined;
  return {
    images: translated.body.data.length,
    ...(usage === undefined ? {} : { usage }),
    response_cost: cost.cost,
    warnings: [...call.warnings, ...translated.warnings, ...(cost.warning === undefined ? [] : [cost.warning])],
  };
}

export function largeAnswer(call: PreparedCall, options: RunOptions, read: Extract<ReadAnswer, { kind: 'large' }>, attempts: number): RawImageAnswer {
  const now = options.now ?? Date.now;
  const hidden = (summary: RawAnswerSummary | undefined) => ({
    provider: call.provider.id,
    model: call.model,
    api_base: call.apiBase,
    warnings: summary?.warnings ?? [...call.warnings],
    response_cost: summary?.response_cost ?? null,
    attempts,
  });
  if (read.through === undefined) {
    const translated = translateSkeleton(call, read.scanner, read.status, now);
    const pieces = serializeWithBlobs(translated.body, read.scanner.blobs);
    const summary = summarize(call, options, translated);
    return new RawImageAnswer({
      pieces: {
        async *[Symbol.asyncIterator]() {
          yield* pieces;
        },
      },
      hidden: hidden(summary),
      summary: Promise.resolve(summary),
      contentLength: pieces.reduce((sum, piece) => sum + piece.length, 0),
      precomputed: true,
    });
  }
  const { scanner } = read;
  const { held, rest } = read.through;
  let settle!: { resolve: (summary: RawAnswerSummary) => void; reject: (error: unknown) => void };
  const summary = new Promise<RawAnswerSummary>((resolve, reject) => (settle = { resolve, reject }));
  const declared = Number(read.headers['content-length']);
  // The last bytes are held back until the whole answer has been checked, so a client never gets a complete-looking
  // body from an answer that turned out to be cut short, malformed or without images.
  async function* pieces(): AsyncGenerator<Buffer> {
    let pending: Buffer = Buffer.concat(held);
    let finished = false;
    try {
      for (;;) {
        const step = await rest.next();
        if (step.done === true) break;
        const chunk = asBuffer(step.value);
        // An empty chunk held back would let the real last bytes out before the check.
        if (chunk.length === 0) continue;
        if (scanner.length + chunk.length > DEFAULT_MAX_RESPONSE_BYTES) throw tooLargeError(call);
        scanner.push(chunk);
        yield pending;
        pending = chunk;
      }
      settle.resolve(summarize(call, options, translateSkeleton(call, scanner, read.status, now)));
      finished = true;
      yield pending;
    } catch (error) {
      settle.reject(error);
      throw error;
    } finally {
      if (!finished) {
        settle.reject(new APIUserAbortError('The answer was closed before it ended', { provider: call.provider.id, model: call.model }));
        await rest.return?.();
      }
    }
  }
  return new RawImageAnswer({
    pieces: { [Symbol.asyncIterator]: pieces },
    hidden: hidden(undefined),
    summary,
    contentLength: Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined,
    precomputed: false,
  });
}
