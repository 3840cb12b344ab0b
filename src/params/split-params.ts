// Sorts a call's keys by role: provider params, imagegate controls and credentials, provider-specific extras.
// An edit's files (image, mask) are taken out before this.
import { editParamRoles, requestParamRoles } from '../../generated/canonical/params.js';

export interface SplitParams {
  /** Unified params for the mapping (prompt, n, size, ...). */
  params: Record<string, unknown>;
  /** Keys that steer imagegate or name credentials. */
  controls: Record<string, unknown>;
  /** Keys the unified schema does not know: provider-specific, sent as given. */
  extras: Record<string, unknown>;
}

export function splitParams(request: Record<string, unknown>, operation: 'generate' | 'edit' = 'generate'): SplitParams {
  const roles = operation === 'edit' ? editParamRoles : requestParamRoles;
  const split: SplitParams = { params: {}, controls: {}, extras: {} };
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined) continue;
    const role = Object.prototype.hasOwnProperty.call(roles, key) ? roles[key] : undefined;
    if (role === 'file') continue;
    const target = role === 'param' ? split.params : role === undefined ? split.extras : split.controls;
    target[key] = value;
  }
  return split;
}
