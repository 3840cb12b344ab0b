// A call's USD cost from its translated body: the deployment's price override, else the catalog's.
import { modelPricing } from '../cost/model-pricing.js';
import { responseCost } from '../cost/response-cost.js';
import type { CallOptions, PreparedCall } from './prepare-call.js';

export function priceOf(call: PreparedCall, options: CallOptions, body: Parameters<typeof responseCost>[0]['body']): ReturnType<typeof responseCost> {
  const priced =
    options.pricing !== undefined
      ? { pricing: options.pricing, priced: call.model }
      : modelPricing(call.provider, call.model, call.controls['base_model'] as string | undefined, call.operationName);
  return responseCost({
    pricing: priced.pricing,
    model: `${call.provider.displayName} ${priced.priced}`,
    params: { ...call.extras, ...call.params },
    body: body,
  });
}
