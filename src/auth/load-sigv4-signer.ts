// The SigV4 signer (@smithy/signature-v4 with @smithy/hash-node's SHA-256), imported on first use and shared after:
// only calls that sign with SigV4 load it.
import type { SignatureV4 } from '@smithy/signature-v4';
import type { Hash } from '@smithy/hash-node';

export interface Sigv4Signer {
  SignatureV4: typeof SignatureV4;
  Hash: typeof Hash;
}

let loading: Promise<Sigv4Signer> | undefined;

export function loadSigv4Signer(): Promise<Sigv4Signer> {
  loading ??= Promise.all([import('@smithy/signature-v4'), import('@smithy/hash-node')]).then(
    ([signature, hash]) => ({ SignatureV4: signature.SignatureV4, Hash: hash.Hash }),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}
