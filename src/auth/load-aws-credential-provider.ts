// @aws-sdk/credential-provider-node (the AWS credential chain): only calls that sign with SigV4 without explicit keys
// load it (with the rest of @aws-sdk/* and @smithy/*).
import { loadOnce } from '../load-once.js';

export const loadAwsCredentialProvider = loadOnce(() => import('@aws-sdk/credential-provider-node'));
