// Auth is a scheme named by the provider spec, not a provider. A spec may list several; the first whose
// credential is available signs the request.
import { BadRequestError } from '../errors/classes.js';
import type { AuthScheme, AuthSpec, ProviderDefinition } from '../provider/types.js';
import { missingSettingError, settingSource, type Settings } from '../settings/resolve-settings.js';
import { resolveAwsCredentials } from './aws-credentials.js';
import { googleAccessToken } from './google-oauth.js';
import { signSigV4, type SignableRequest } from './sigv4.js';

export interface Authorization {
  headers: Record<string, string>;
  /** Credentials found along the way (e.g. from the AWS chain), for redaction. */
  secrets: string[];
}

function isAvailable(scheme: AuthScheme, settings: Settings): boolean {
  switch (scheme.scheme) {
    case 'bearer':
    case 'api-key-header':
      return settings[scheme.setting] !== undefined;
    case 'sigv4':
    case 'google-oauth':
    case 'none':
      return true;
  }
}

export function chooseScheme(auth: AuthSpec, settings: Settings): AuthScheme {
  if (!('one_of' in auth)) return auth;
  return auth.one_of.find((scheme) => isAvailable(scheme, settings)) ?? auth.one_of[auth.one_of.length - 1]!;
}

async function sigv4Headers(
  provider: ProviderDefinition,
  scheme: Extract<AuthScheme, { scheme: 'sigv4' }>,
  settings: Settings,
  request: SignableRequest,
  now: () => number,
): Promise<Authorization> {
  const names = scheme.settings;
  const region = settings[names.region];
  if (region === undefined) {
    throw missingSettingError(provider, names.region, provider.settings[names.region]!, 'to sign requests (AWS SigV4)');
  }
  // A profile named in the call outranks keys that only come from the environment.
  const fromParams = (name: string) => settingSource(settings, name)?.startsWith('param ') === true;
  const keysYieldToProfile = fromParams(names.profile) && !fromParams(names.access_key_id);
  const credentials = await resolveAwsCredentials(
    {
      accessKeyId: keysYieldToProfile ? undefined : settings[names.access_key_id],
      secretAccessKey: keysYieldToProfile ? undefined : settings[names.secret_access_key],
      sessionToken: keysYieldToProfile ? undefined : settings[names.session_token],
      profile: settings[names.profile],
    },
    { now, providerLabel: provider.displayName },
  );
  const headers = await signSigV4(request, { service: scheme.service, region, credentials, now });
  return { headers, secrets: [credentials.secretAccessKey, credentials.sessionToken].filter((s): s is string => s !== undefined) };
}

export async function authorize(provider: ProviderDefinition, settings: Settings, request: SignableRequest, now: () => number): Promise<Authorization> {
  const scheme = chooseScheme(provider.auth, settings);
  switch (scheme.scheme) {
    case 'bearer': {
      const token = settings[scheme.setting];
      return { headers: token === undefined ? {} : { authorization: `Bearer ${token}` }, secrets: [] };
    }
    case 'api-key-header': {
      const key = settings[scheme.setting];
      return { headers: key === undefined ? {} : { [scheme.header]: key }, secrets: [] };
    }
    case 'sigv4':
      return sigv4Headers(provider, scheme, settings, request, now);
    case 'google-oauth': {
      const credentials = settings[scheme.settings.credentials];
      const { token } = await googleAccessToken({ credentials, scopes: scheme.scopes }, { now, providerLabel: provider.displayName });
      return { headers: { authorization: `Bearer ${token}` }, secrets: [token] };
    }
    case 'none':
      return { headers: {}, secrets: [] };
  }
}

/** Rejects caller headers that would replace the ones auth computes. */
export function assertNoAuthOverride(headers: Record<string, string>, auth: Authorization): void {
  for (const name of Object.keys(auth.headers)) {
    if (headers[name] !== undefined) {
      throw new BadRequestError(`extra_headers may not set ${name}; imagegate computes it for authentication.`, { param: 'extra_headers', code: 'invalid_request' });
    }
  }
}
