// An answer too large to be worth parsing and re-serialising, for the proxy: the ImagesResponse JSON as bytes to
// write. Either streamed through from an upstream that already answers in the OpenAI shape (its usage, cost and
// final checks known only once the last bytes are in), or rebuilt around the untouched image bytes of a translated
// answer (everything known before the first byte).
import type { HiddenParams } from './image-response.js';
import type { Warning } from './warnings.js';

export interface RawAnswerSummary {
  images: number;
  usage?: Record<string, unknown>;
  /** USD, or null when the price is unknown. */
  response_cost: number | null;
  warnings: Warning[];
}

export class RawImageAnswer implements AsyncIterable<Buffer> {
  /** Who served it; the Router adds the routing. */
  readonly _hidden_params: HiddenParams;
  /** Settles once the last byte has been read and checked: the summary, or the error that ended the answer. */
  readonly summary: Promise<RawAnswerSummary>;
  /** The body's size, when known before the first byte. */
  readonly contentLength: number | undefined;
  /** Checked, counted and priced before the first byte (a translated answer); else only once its last byte is in. */
  readonly precomputed: boolean;
  private readonly pieces: AsyncIterable<Buffer>;

  constructor(options: {
    pieces: AsyncIterable<Buffer>;
    hidden: HiddenParams;
    summary: Promise<RawAnswerSummary>;
    contentLength: number | undefined;
    precomputed: boolean;
  }) {
    this.pieces = options.pieces;
    this._hidden_params = options.hidden;
    this.summary = options.summary;
    this.contentLength = options.contentLength;
    this.precomputed = options.precomputed;
    // A reader that stops early may never await the summary: its rejection is not an unhandled one.
    this.summary.catch(() => undefined);
  }

  /** The pieces to write, in order. Stopping early, or the call's signal, cancels the rest of the upstream answer. */
  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this.pieces[Symbol.asyncIterator]();
  }
}
