// The SigV4 signer (@smithy/signature-v4 with @smithy/hash-node's SHA-256): only calls that sign with SigV4 load it.
import type { SignatureV4 } from '@smithy/signature-v4';
import type { Hash } from '@smithy/hash-node';
import { loadOnce } from '../load-once.js';

export interface Sigv4Signer {
  SignatureV4: typeof SignatureV4;
  Hash: typeof Hash;
}

export const loadSigv4Signer = loadOnce(async (): Promise<Sigv4Signer> => {
  const [signature, hash] = await Promise.all([import('@smithy/signature-v4'), import('@smithy/hash-node')]);
  return { SignatureV4: signature.SignatureV4, Hash: hash.Hash };
});
