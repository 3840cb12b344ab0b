// google-auth-library, imported on first use and shared after: only calls that authenticate with Google OAuth load it
// (with gaxios, gcp-metadata and their dependencies).
type GoogleAuthLibrary = typeof import('google-auth-library');

let loading: Promise<GoogleAuthLibrary> | undefined;

export function loadGoogleAuthLibrary(): Promise<GoogleAuthLibrary> {
  loading ??= import('google-auth-library').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
