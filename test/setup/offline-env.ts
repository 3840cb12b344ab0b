// Every test process: no cloud credential endpoint is reachable and the developer's real AWS/Google
// config is never read. Tests that need credentials set them up themselves.
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Never created: the paths only have to not exist.
const missingDir = join(tmpdir(), `imagegate-offline-${process.pid}-${randomUUID()}`);

for (const name of [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_REGION_NAME',
  'AWS_BEARER_TOKEN_BEDROCK',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'GOOGLE_APPLICATION_CREDENTIALS',
]) {
  delete process.env[name];
}

process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_CONFIG_FILE = join(missingDir, 'aws', 'config');
process.env.AWS_SHARED_CREDENTIALS_FILE = join(missingDir, 'aws', 'credentials');

process.env.METADATA_SERVER_DETECTION = 'none';
// Port 9 (discard) on loopback: anything that still tries the metadata server fails at once.
process.env.GCE_METADATA_HOST = '127.0.0.1:9';
process.env.GCE_METADATA_IP = '127.0.0.1:9';
process.env.CLOUDSDK_CONFIG = join(missingDir, 'gcloud');
