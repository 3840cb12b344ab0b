// @aws-sdk/credential-provider-node (the AWS credential chain), imported on first use and shared after: only calls
// that sign with SigV4 without explicit keys load it (with the rest of @aws-sdk/* and @smithy/*).
type AwsCredentialProvider = typeof import('@aws-sdk/credential-provider-node');

let loading: Promise<AwsCredentialProvider> | undefined;

export function loadAwsCredentialProvider(): Promise<AwsCredentialProvider> {
  loading ??= import('@aws-sdk/credential-provider-node').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
