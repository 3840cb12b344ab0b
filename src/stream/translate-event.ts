// One provider stream event -> the unified OpenAI stream event, read through the spec's stream rule.
import type { ImageStreamEvent } from '../../generated/canonical/types.js';
import { BadGatewayError } from '../errors/classes.js';
import { mapUpstreamError, readPointer, type UpstreamErrorContext } from '../errors/map-upstream-error.js';
import { redactSecrets } from '../errors/redact.js';
import type { StreamEventRule, StreamRule } from '../provider/types.js';
import { readNumberish, readObject, readString } from '../translate/read-body.js';

export type StreamKind = 'image_generation' | 'image_edit';

export interface RawStreamEvent {
  event?: string | undefined;
  data: string;
}

export function badStream(context: UpstreamErrorContext, detail: string): BadGatewayError {
  const { provider, model, secrets } = context;
  return new BadGatewayError(redactSecrets(`${provider.displayName} (${model}) ${detail}`, secrets), { provider: provider.id, model, code: 'bad_upstream_stream' });
}

function common(rule: StreamRule, event: StreamEventRule, data: unknown, context: UpstreamErrorContext, nowSeconds: number) {
  const b64 = readString(readPointer(data, event.b64Json));
  if (b64 === undefined || b64.length === 0) throw badStream(context, 'sent an image event without image data');
  const kept: Record<string, string> = {};
  for (const name of rule.keep) {
    const value = readString(readPointer(data, `/${name}`));
    if (value !== undefined) kept[name] = value;
  }
  const createdAt = event.createdAt === undefined ? undefined : readNumberish(readPointer(data, event.createdAt));
  return { b64_json: b64, created_at: createdAt ?? nowSeconds, ...kept };
}

/** The unified event, or undefined for events the rule does not name (keep-alives, future event types). */
export function translateStreamEvent(
  rule: StreamRule,
  kind: StreamKind,
  raw: RawStreamEvent,
  context: UpstreamErrorContext,
  state: { partials: number; nowSeconds: number },
): ImageStreamEvent | undefined {
  if (raw.data.trim() === '[DONE]' || raw.data.trim() === '') return undefined;
  let data: unknown;
  try {
    data = JSON.parse(raw.data);
  } catch {
    throw badStream(context, 'sent a stream event whose data is not JSON');
  }
  const type = readString(readPointer(data, rule.type)) ?? raw.event;
  if (type === undefined) return undefined;
  if (rule.error?.types.includes(type) === true) {
    // The provider's own error mapping classifies it (a moderation block is a content policy error, not a 500).
    throw mapUpstreamError(context, { status: 500, headers: {}, body: raw.data });
  }
  if (rule.partialImage.types.includes(type)) {
    const index = rule.partialImage.index === undefined ? undefined : readNumberish(readPointer(data, rule.partialImage.index));
    const event = { type: `${kind}.partial_image` as const, ...common(rule, rule.partialImage, data, context, state.nowSeconds), partial_image_index: index ?? state.partials };
    state.partials++;
    return event;
  }
  if (rule.completed.types.includes(type)) {
    const usage = rule.completed.usage === undefined ? undefined : readObject(readPointer(data, rule.completed.usage));
    const event = { type: `${kind}.completed` as const, ...common(rule, rule.completed, data, context, state.nowSeconds) };
    return usage === undefined ? event : { ...event, usage };
  }
  return undefined;
}
