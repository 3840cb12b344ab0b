// AWS credentials: explicit keys, else the standard AWS chain (env, shared files/profiles, web identity,
// SSO/process, container, instance metadata), cached per profile until shortly before they expire.
import { AuthenticationError } from '../errors/classes.js';
import { redactSecrets } from '../errors/redact.js';
import { ExpiringCache } from './expiring-cache.js';
import { loadAwsCredentialProvider } from './load-aws-credential-provider.js';
import { awsProfileExists } from '../settings/aws-shared-config.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface AwsCredentialSource {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  profile?: string;
}

export interface ResolveAwsCredentialsOptions {
  now?: () => number;
  providerLabel?: string;
}

const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;
const FIX_HINT =
  'Pass aws_access_key_id and aws_secret_access_key, set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or configure a profile (aws_profile_name / AWS_PROFILE).';

const cache = new ExpiringCache<AwsCredentials>({
  expiresAt: (credentials) => credentials.expiration?.getTime(),
  refreshBeforeExpiryMs: REFRESH_BEFORE_EXPIRY_MS,
  keepWithoutExpiry: true,
});

export function clearAwsCredentialCache(): void {
  cache.clear();
}

export async function resolveAwsCredentials(source: AwsCredentialSource, options: ResolveAwsCredentialsOptions = {}): Promise<AwsCredentials> {
  const explicit = explicitCredentials(source);
  if (explicit !== undefined) return explicit;

  const label = options.providerLabel ?? 'this request';
  return cache.get(source.profile ?? '', options.now ?? Date.now, () => lookUpChain(source.profile, label));
}

function explicitCredentials(source: AwsCredentialSource): AwsCredentials | undefined {
  const accessKeyId = nonEmpty(source.accessKeyId);
  const secretAccessKey = nonEmpty(source.secretAccessKey);
  if (accessKeyId === undefined && secretAccessKey === undefined) return undefined;
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    const [given, missing] =
      accessKeyId === undefined ? ['aws_secret_access_key', 'aws_access_key_id'] : ['aws_access_key_id', 'aws_secret_access_key'];
    throw new AuthenticationError(
      `${missing} is missing: ${given} was given without it. Pass both aws_access_key_id and aws_secret_access_key, or neither to use the AWS credential chain (environment, profile, container or instance role).`,
      { param: missing, code: 'missing_aws_credentials' },
    );
  }
  const sessionToken = nonEmpty(source.sessionToken);
  return sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
}

async function lookUpChain(profile: string | undefined, providerLabel: string): Promise<AwsCredentials> {
  // The chain would quietly fall through to container or instance credentials for a profile that does not exist.
  if (profile !== undefined) {
    const { exists, files } = await awsProfileExists(profile, process.env);
    if (!exists) {
      throw new AuthenticationError(`AWS profile "${profile}" for ${providerLabel} is not defined in ${files.join(' or ')}. Fix aws_profile_name or add the profile.`, {
        param: 'aws_profile_name',
        code: 'missing_aws_credentials',
      });
    }
  }
  try {
    const { defaultProvider } = await loadAwsCredentialProvider();
    // A fresh provider per lookup: its own memoisation would otherwise hide our refresh. ignoreCache makes
    // the shared-ini loader re-read the files; it otherwise keeps a file's first read (even a failed one) forever.
    const found = await defaultProvider({ profile, ignoreCache: true })();
    return {
      accessKeyId: found.accessKeyId,
      secretAccessKey: found.secretAccessKey,
      ...(found.sessionToken ? { sessionToken: found.sessionToken } : {}),
      ...(found.expiration ? { expiration: found.expiration } : {}),
    };
  } catch (error) {
    const reason = redactSecrets(error instanceof Error ? error.message : String(error), []).trim().replace(/\.$/, '');
    const profileName = profile ?? process.env.AWS_PROFILE ?? 'default';
    throw new AuthenticationError(`AWS credentials not found for ${providerLabel} (profile ${profileName}): ${reason}. ${FIX_HINT}`, {
      code: 'missing_aws_credentials',
    });
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}
