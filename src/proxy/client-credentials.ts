// A proxy client may not choose where the proxy sends requests or which credential it uses, unless the operator allows it.
import { clientSteeringKeyPatterns, clientSteeringKeys, requestParamRoles } from '../../generated/canonical/params.js';
import { BadRequestError } from '../errors/classes.js';

const steeringKeys = new Set(clientSteeringKeys);

export function isClientCredential(key: string): boolean {
  if (requestParamRoles[key] === 'credential') return true;
  return steeringKeys.has(key) || clientSteeringKeyPatterns.some((pattern) => pattern.test(key));
}

export function refuseClientCredentials(body: Record<string, unknown>): void {
  const sent = Object.keys(body).filter(isClientCredential).sort();
  if (sent.length === 0) return;
  throw new BadRequestError(
    `This proxy does not accept credentials or destinations from clients (got ${sent.join(', ')}): remove them from the request. ` +
      'The operator configures them per deployment in config.yaml, or sets general_settings.allow_client_side_credentials: true.',
    { param: sent[0]!, code: 'client_side_credentials_not_allowed' },
  );
}
