// The router's settings with LiteLLM's defaults filled in.
import type { ProxyConfig } from '../../generated/canonical/types.js';
import type { RoutingStrategy } from './strategies.js';

export type RouterConfig = Pick<ProxyConfig, 'model_list' | 'router_settings' | 'litellm_settings'>;

export interface RouterSettings {
  strategy: RoutingStrategy;
  numRetries: number;
  timeoutSeconds: number;
  allowedFails: number;
  cooldownMs: number;
  dropParams: boolean | undefined;
  /** group -> the groups tried after it, in order. */
  fallbacks: Map<string, string[]>;
}

export const DEFAULT_NUM_RETRIES = 2;
export const DEFAULT_TIMEOUT_SECONDS = 600;
export const DEFAULT_ALLOWED_FAILS = 3;
export const DEFAULT_COOLDOWN_SECONDS = 5;

export function routerSettings(config: RouterConfig): RouterSettings {
  const router = config.router_settings ?? {};
  const litellm = config.litellm_settings ?? {};
  const fallbacks = new Map<string, string[]>();
  for (const entry of [...(router.fallbacks ?? []), ...(litellm.fallbacks ?? [])]) {
    for (const [group, targets] of Object.entries(entry)) {
      fallbacks.set(group, [...(fallbacks.get(group) ?? []), ...targets.filter((t) => !(fallbacks.get(group) ?? []).includes(t))]);
    }
  }
  return {
    strategy: router.routing_strategy ?? 'simple-shuffle',
    numRetries: router.num_retries ?? litellm.num_retries ?? DEFAULT_NUM_RETRIES,
    timeoutSeconds: router.timeout ?? litellm.request_timeout ?? DEFAULT_TIMEOUT_SECONDS,
    allowedFails: router.allowed_fails ?? DEFAULT_ALLOWED_FAILS,
    cooldownMs: (router.cooldown_time ?? DEFAULT_COOLDOWN_SECONDS) * 1000,
    dropParams: litellm.drop_params,
    fallbacks,
  };
}
