// A streamed generation or edit: an async iterable of the OpenAI stream events, cancellable, with a summary
// (images, usage, cost) once the last event has been read.
import type { ImageStreamEvent } from '../../generated/canonical/types.js';
import type { Warning } from '../response/warnings.js';
import type { HiddenParams } from '../response/image-response.js';

export interface StreamSummary {
  /** Completed images received. */
  images: number;
  usage?: Record<string, unknown>;
  /** USD, or null when the price is unknown. */
  response_cost: number | null;
  warnings: Warning[];
}

export class ImageStream implements AsyncIterable<ImageStreamEvent> {
  /** Aborting it cancels the upstream request. */
  readonly controller: AbortController;
  /** Who served the stream (provider, model, routing, warnings known before the first event). */
  readonly _hidden_params: HiddenParams;
  /** Settles when the stream ends: the summary, or the error that ended it. */
  readonly summary: Promise<StreamSummary>;
  private readonly events: AsyncIterable<ImageStreamEvent>;
  private consumed = false;

  constructor(events: AsyncIterable<ImageStreamEvent>, controller: AbortController, hidden: HiddenParams, summary: Promise<StreamSummary>) {
    this.events = events;
    this.controller = controller;
    this._hidden_params = hidden;
    this.summary = summary;
    // Nobody may ever await the summary (a caller that only iterates): its rejection is not an unhandled one.
    summary.catch(() => undefined);
  }

  [Symbol.asyncIterator](): AsyncIterator<ImageStreamEvent> {
    if (this.consumed) throw new Error('An ImageStream can be iterated once.');
    this.consumed = true;
    return this.events[Symbol.asyncIterator]();
  }

  /** Stops the stream and the upstream request. */
  abort(): void {
    this.controller.abort();
  }
}
