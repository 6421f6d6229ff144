// The refusal every CSR-only issuer (ACM PCA, AD CS) gives a request that carries a bare public key.
import type { IssueResult } from './types.ts';

export function csrRequired(issuer: string, deviceName: string): IssueResult {
  return {
    kind: 'refused',
    code: 'CSR_REQUIRED',
    reason:
      `${issuer} signs only a PKCS#10 CSR signed by the phone, and the request for ${deviceName} carries a bare public key; ` +
      'use the capf-software or capf-kms issuer, which sign a bare public key, or a phone that supports the CSR flow',
  };
}
