// text/event-stream bytes -> messages, as they arrive (eventsource-parser does the line protocol).
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** More than this many bytes without a complete event is an upstream that never ends its event. */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;

export class EventTooLarge extends Error {}

export async function* serverSentEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const ready: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => ready.push(message) });
  const decoder = new TextDecoder();
  let pending = 0;
  for await (const chunk of body) {
    pending += chunk.byteLength;
    parser.feed(decoder.decode(chunk, { stream: true }));
    if (ready.length > 0) pending = 0;
    else if (pending > MAX_PENDING_BYTES) throw new EventTooLarge(`an event exceeded ${MAX_PENDING_BYTES} bytes`);
    while (ready.length > 0) yield ready.shift()!;
  }
  parser.feed(`${decoder.decode()}\n\n`);
  while (ready.length > 0) yield ready.shift()!;
}
