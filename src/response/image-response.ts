// The result: exactly the OpenAI ImagesResponse when serialised, with imagegate's metadata on a
// non-enumerable _hidden_params property.
import type { ImagesResponse } from '../../generated/canonical/types.js';
import type { RoutingInfo } from '../errors/classes.js';
import type { Warning } from './warnings.js';

export interface HiddenParams {
  provider: string;
  model: string;
  /** The base URL called, without credentials or query. */
  api_base: string;
  warnings: Warning[];
  /** USD, from the model's published price (or the deployment's override); null with an unknown-price warning when unknown. */
  response_cost: number | null;
  /** Provider calls made, retries included. */
  attempts: number;
  /** Set by the Router: the model group, deployment and retries/fallbacks behind this result. */
  routing?: RoutingInfo;
}

export type ImageResponse = ImagesResponse & { readonly _hidden_params: HiddenParams };

export function createImageResponse(body: ImagesResponse, hidden: HiddenParams): ImageResponse {
  return Object.defineProperty(body, '_hidden_params', { value: hidden, enumerable: false, writable: false, configurable: false }) as ImageResponse;
}
