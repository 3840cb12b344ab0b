// A streamed call: connected (with retries) before the caller gets the stream, so every failure before the
// first byte is a rejected promise; events then flow as the provider sends them.
import type { ImageStreamEvent, ImagesResponse } from '../../generated/canonical/types.js';
import { APIUserAbortError } from '../errors/classes.js';
import { withRetries } from '../http/retry.js';
import type { ImageResponse } from '../response/image-response.js';
import { translateSuccess } from '../response/translate-success.js';
import { EventTooLarge, serverSentEvents } from '../stream/server-sent-events.js';
import { ImageStream, type StreamSummary } from '../stream/image-stream.js';
import { badStream, translateStreamEvent, type StreamKind } from '../stream/translate-event.js';
import { attempt } from './attempt.js';
import type { CallOptions, PreparedCall } from './prepare-call.js';
import { priceOf } from './price-of.js';
import { readAnswer } from './run-buffered.js';

function streamKind(call: PreparedCall): StreamKind {
  return call.operationName === 'edit' ? 'image_edit' : 'image_generation';
}

function linkedController(signal: AbortSignal | undefined): AbortController {
  const controller = new AbortController();
  if (signal?.aborted) controller.abort(signal.reason);
  else signal?.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  return controller;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function summarize(call: PreparedCall, options: CallOptions, completed: ImageStreamEvent[], warnings: StreamSummary['warnings']): StreamSummary {
  const usage = [...completed].reverse().find((event) => 'usage' in event && event.usage !== undefined) as
    { usage?: Record<string, unknown> } | undefined;
  const body = {
    created: 0,
    data: completed.map(() => ({ b64_json: '' })),
    ...(usage?.usage === undefined ? {} : { usage: usage.usage }),
  } as ImagesResponse;
  const cost = priceOf(call, options, body);
  return {
    images: completed.length,
    ...(usage?.usage === undefined ? {} : { usage: usage.usage }),
    response_cost: cost.cost,
    warnings: [...warnings, ...(cost.warning === undefined ? [] : [cost.warning])],
  };
}

export async function runStream(call: PreparedCall, options: CallOptions, signal: AbortSignal | undefined): Promise<ImageStream> {
  const now = options.now ?? Date.now;
  const controller = linkedController(signal);
  let attempts = 0;
  const response = await withRetries(
    async () => {
      attempts++;
      return attempt(call, options, controller.signal);
    },
    { numRetries: call.numRetries, signal: controller.signal },
  );
  const summary = deferred<StreamSummary>();
  const rule = call.operation.stream!;
  const kind = streamKind(call);
  const isEventStream = (response.headers['content-type'] ?? '').includes('text/event-stream');
  async function* events(): AsyncGenerator<ImageStreamEvent> {
    const completed: ImageStreamEvent[] = [];
    let finished = false;
    try {
      if (!isEventStream) {
        // A provider may answer a stream request with the finished images: each becomes one completed event.
        const text = await readAnswer(response.body, call);
        const result = translateSuccess(call.context, {
          response: { status: response.status, headers: response.headers, body: text },
          variant: call.variant,
          params: call.params,
          now,
        });
        for (const event of completedEvents(kind, result.body)) {
          completed.push(event);
          yield event;
        }
      } else {
        const state = { partials: 0, nowSeconds: Math.floor(now() / 1000) };
        for await (const message of serverSentEvents(response.body)) {
          const event = translateStreamEvent(rule, kind, message, call.context, state);
          if (event === undefined) continue;
          if (event.type.endsWith('.completed')) completed.push(event);
          yield event;
        }
      }
      if (completed.length === 0) throw badStream(call.context, 'ended the stream without a completed image');
      finished = true;
      summary.resolve(summarize(call, options, completed, call.warnings));
    } catch (error) {
      const failure = error instanceof EventTooLarge ? badStream(call.context, error.message) : error;
      summary.reject(failure);
      throw failure;
    } finally {
      if (!finished) {
        controller.abort();
        summary.reject(new APIUserAbortError('The stream was closed before it ended', { provider: call.provider.id, model: call.model }));
      }
    }
  }
  const hidden = {
    provider: call.provider.id,
    model: call.model,
    api_base: call.apiBase,
    warnings: [...call.warnings],
    response_cost: null,
    attempts,
  };
  return new ImageStream(events(), controller, hidden, summary.promise);
}

/** The finished images as completed events; the usage goes on the last (it is the whole call's). */
export function completedEvents(kind: StreamKind, body: ImagesResponse): ImageStreamEvent[] {
  const { data, usage, created, ...kept } = body;
  return data.map((image, index) => {
    const event = { type: `${kind}.completed` as const, b64_json: image.b64_json ?? '', created_at: created, ...kept };
    return index === data.length - 1 && usage !== undefined ? { ...event, usage } : event;
  });
}

/** A provider that cannot stream, where the caller allowed it: the finished images as one completed event each. */
export function singleEventStream(kind: StreamKind, response: ImageResponse, warning: StreamSummary['warnings'][number]): ImageStream {
  const hidden = { ...response._hidden_params, warnings: [...response._hidden_params.warnings, warning] };
  const events = completedEvents(kind, response);
  const summary: StreamSummary = {
    images: events.length,
    ...(response.usage === undefined ? {} : { usage: response.usage as Record<string, unknown> }),
    response_cost: hidden.response_cost,
    warnings: hidden.warnings,
  };
  async function* replay(): AsyncGenerator<ImageStreamEvent> {
    yield* events;
  }
  return new ImageStream(replay(), new AbortController(), hidden, Promise.resolve(summary));
}
