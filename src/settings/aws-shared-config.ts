// The region a profile names in the shared AWS config/credentials files (~/.aws/config, ~/.aws/credentials).
import { homedir } from 'node:os';
import { join } from 'node:path';

function sharedFilePaths(env: NodeJS.ProcessEnv): { filepath: string; configFilepath: string } {
  const home = env.HOME || homedir();
  return {
    configFilepath: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
    filepath: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
  };
}

async function loadProfiles(env: NodeJS.ProcessEnv) {
  // Imported lazily so that loading the library never loads an AWS package.
  const { loadSharedConfigFiles } = await import('@smithy/shared-ini-file-loader');
  // The loader turns missing, unreadable or malformed files into empty sections (it never throws for them).
  // ignoreCache: it otherwise keeps each file's first read, even a failed one, for the whole process.
  return loadSharedConfigFiles({ ...sharedFilePaths(env), ignoreCache: true });
}

export async function regionFromAwsProfile(profile: string | undefined, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const name = profile ?? env.AWS_PROFILE ?? 'default';
  const { configFile, credentialsFile } = await loadProfiles(env);
  return nonEmpty(configFile[name]?.region) ?? nonEmpty(credentialsFile[name]?.region);
}

/** Whether a profile is defined in the shared config or credentials file; returns the files looked at. */
export async function awsProfileExists(profile: string, env: NodeJS.ProcessEnv): Promise<{ exists: boolean; files: string[] }> {
  const { configFile, credentialsFile } = await loadProfiles(env);
  const { filepath, configFilepath } = sharedFilePaths(env);
  return { exists: configFile[profile] !== undefined || credentialsFile[profile] !== undefined, files: [configFilepath, filepath] };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim().length === 0 ? undefined : value.trim();
}
