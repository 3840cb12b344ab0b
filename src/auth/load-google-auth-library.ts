// google-auth-library: only calls that authenticate with Google OAuth load it (with gaxios, gcp-metadata and their
// dependencies).
import { loadOnce } from '../load-once.js';

export const loadGoogleAuthLibrary = loadOnce(() => import('google-auth-library'));
