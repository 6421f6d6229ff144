// What every CSR-only issuer (ACM PCA, AD CS) checks before it contacts its CA: a CSR is there, it is the device's
// and it carries the request's key; and the refusals it gives otherwise.
import { ValidationError } from '../errors.ts';
import { parseCsr, samePublicKey } from '../pki/index.ts';
import type { IssueRequest, IssueResult } from '../ports/index.ts';

export type Refusal = Extract<IssueResult, { kind: 'refused' }>;

export function csrRequired(issuer: string, deviceName: string): IssueResult {
  return {
    kind: 'refused',
    code: 'CSR_REQUIRED',
    reason:
      `${issuer} signs only a PKCS#10 CSR signed by the phone, and the request for ${deviceName} carries a bare public key; ` +
      'use the capf-software or capf-kms issuer, which sign a bare public key, or a phone that supports the CSR flow',
  };
}

/** A ValidationError as a refusal (with `code` instead of the error's own when given); anything else is rethrown. */
export function refusalFor(error: unknown, code?: string): Refusal {
  if (!(error instanceof ValidationError)) throw error;
  return { kind: 'refused', code: code ?? error.code, reason: error.message };
}

/**
 * Parses and verifies the phone's CSR, which must name the device and carry the request's public key. Returns the
 * CSR's SPKI, or the refusal: CSR_KEY_MISMATCH for another key, else the parser's code (or `invalidCode` when given).
 */
export function checkRequestCsr(request: IssueRequest, csrDer: Uint8Array, invalidCode?: string): { spkiDer: Uint8Array } | Refusal {
  let spkiDer: Uint8Array;
  try {
    spkiDer = parseCsr(csrDer, request.deviceName).spkiDer;
  } catch (error) {
    const refusal = refusalFor(error, invalidCode);
    return { ...refusal, reason: `the CSR of ${request.deviceName} cannot be used: ${refusal.reason}` };
  }
  if (!samePublicKey(spkiDer, request.publicKeyDer)) {
    return { kind: 'refused', code: 'CSR_KEY_MISMATCH', reason: `the CSR of ${request.deviceName} carries a different public key than the request` };
  }
  return { spkiDer };
}
