// The region a profile names in the shared AWS config/credentials files (~/.aws/config, ~/.aws/credentials).
import { homedir } from 'node:os';
import { join } from 'node:path';

export async function regionFromAwsProfile(profile: string | undefined, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const home = env.HOME || homedir();
  const configFilepath = env.AWS_CONFIG_FILE || join(home, '.aws', 'config');
  const filepath = env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials');
  const name = profile ?? env.AWS_PROFILE ?? 'default';
  // Imported lazily so that loading the library never loads an AWS package.
  const { loadSharedConfigFiles } = await import('@smithy/shared-ini-file-loader');
  // The loader turns missing, unreadable or malformed files into empty sections (it never throws for them).
  // ignoreCache: it otherwise keeps each file's first read, even a failed one, for the whole process.
  const { configFile, credentialsFile } = await loadSharedConfigFiles({ filepath, configFilepath, ignoreCache: true });
  return nonEmpty(configFile[name]?.region) ?? nonEmpty(credentialsFile[name]?.region);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim().length === 0 ? undefined : value.trim();
}
