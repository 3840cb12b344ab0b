// Auth is a scheme named by the provider spec, not a provider.
import type { AuthSpec } from '../provider/types.js';
import type { Settings } from '../settings/resolve-settings.js';

export function authHeaders(auth: AuthSpec, settings: Settings): Record<string, string> {
  switch (auth.scheme) {
    case 'bearer': {
      const token = settings[auth.setting];
      return token === undefined ? {} : { authorization: `Bearer ${token}` };
    }
    case 'api-key-header': {
      const key = settings[auth.setting];
      return key === undefined ? {} : { [auth.header]: key };
    }
    case 'none':
      return {};
  }
}
