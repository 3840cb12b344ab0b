// A model_list entry as the router sees it: its group, id, limits and the params it calls imageGeneration with.
import { createHash } from 'node:crypto';
import type { ProxyConfigDeployment } from '../../generated/canonical/types.js';
import { resolveModel } from '../dispatch/resolve-model.js';
import type { Pricing, Registry } from '../provider/types.js';
import { pricingFromModelInfo } from '../cost/price-overrides.js';

export interface Deployment {
  id: string;
  group: string;
  providerId: string;
  /** imageGeneration params of this deployment (model, credentials, provider params). */
  params: Record<string, unknown>;
  rpm: number | undefined;
  weight: number | undefined;
  /** Per-attempt timeout in seconds, when the deployment sets its own. */
  timeoutSeconds: number | undefined;
  /** Retries of one attempt on this deployment (litellm_params.max_retries, default 0). */
  maxRetries: number;
  /** model_info prices that replace the catalog's for this deployment. */
  pricing: Pricing | undefined;
}

/** litellm_params that steer the router; everything else is an imageGeneration param. */
const ROUTER_KEYS = new Set(['rpm', 'tpm', 'weight', 'max_retries', 'timeout', 'order', 'max_parallel_requests']);

function generatedId(index: number, entry: ProxyConfigDeployment): string {
  // Names and destination only: a credential never feeds an id that clients see.
  const params = entry.litellm_params as Record<string, unknown>;
  const seed = JSON.stringify([index, entry.model_name, params['model'], params['api_base'] ?? null, params['aws_region_name'] ?? null]);
  return createHash('sha256').update(seed).digest('hex').slice(0, 16);
}

export function toDeployment(entry: ProxyConfigDeployment, index: number, registry: Registry): Deployment {
  const litellm = entry.litellm_params as Record<string, unknown>;
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(litellm)) if (!ROUTER_KEYS.has(key)) params[key] = value;
  const resolved = resolveModel(registry, litellm['model'] as string, litellm['custom_llm_provider'] as string | undefined);
  return {
    id: (entry.model_info?.['id'] as string | undefined) ?? generatedId(index, entry),
    group: entry.model_name,
    providerId: resolved.providerId,
    params,
    rpm: litellm['rpm'] as number | undefined,
    weight: litellm['weight'] as number | undefined,
    timeoutSeconds: litellm['timeout'] as number | undefined,
    maxRetries: (litellm['max_retries'] as number | undefined) ?? 0,
    pricing: pricingFromModelInfo(entry.model_info),
  };
}
