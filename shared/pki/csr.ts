// PKCS#10 requests from phones (the provisional CSR flow for external CAs): parsed with the DER reader, the
// signature checked with node:crypto, so the session engine can check a CSR synchronously before anything is signed.
import { createPublicKey, verify } from 'node:crypto';
import { ValidationError } from '../errors.ts';
import { peerText } from '../peer-text.ts';
import { commonNames } from './certificate-parts.ts';
import { TAG, childrenOf, contentOf, rawOf, readWhole } from './der.ts';

/** A phone's CSR is a few hundred bytes to a few KiB; refuse anything far larger before parsing. */
export const MAX_CSR_BYTES = 8192;

const SIGNATURE_HASH: Record<string, 'sha256' | 'sha384' | 'sha512'> = {
  '2a864886f70d01010b': 'sha256', // sha256WithRSAEncryption
  '2a864886f70d01010c': 'sha384',
  '2a864886f70d01010d': 'sha512',
  '2a8648ce3d040302': 'sha256', // ecdsa-with-SHA256
  '2a8648ce3d040303': 'sha384',
  '2a8648ce3d040304': 'sha512',
};

export interface ParsedCsr {
  spkiDer: Uint8Array;
  commonName: string | undefined;
}

/** Parses and verifies a CSR; its subject CN must be the device name. */
export function parseCsr(der: Uint8Array, deviceName: string): ParsedCsr {
  if (der.length > MAX_CSR_BYTES) throw new ValidationError(`CSR of ${der.length} bytes exceeds ${MAX_CSR_BYTES}`, 'CSR_TOO_LARGE');
  const top = readWhole(der, TAG.sequence);
  const [info, algorithm, signature] = childrenOf(der, top);
  if (!info || !algorithm || !signature || info.tag !== TAG.sequence || algorithm.tag !== TAG.sequence || signature.tag !== TAG.bitString) {
    throw new ValidationError('CSR is not a PKCS#10 CertificationRequest', 'CSR_MALFORMED');
  }
  const [, subject, spki] = childrenOf(der, info);
  if (!subject || !spki || subject.tag !== TAG.sequence || spki.tag !== TAG.sequence) {
    throw new ValidationError('CSR has no subject or public key', 'CSR_MALFORMED');
  }
  const [oid] = childrenOf(der, algorithm);
  const hash = oid && oid.tag === TAG.oid ? SIGNATURE_HASH[Buffer.from(contentOf(der, oid)).toString('hex')] : undefined;
  if (!hash) throw new ValidationError('CSR is signed with an unsupported algorithm (RSA or ECDSA with SHA-2 only)', 'CSR_ALGORITHM');
  const spkiDer = rawOf(der, spki);
  const bits = contentOf(der, signature);
  let valid = false;
  try {
    const key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
    valid = bits[0] === 0 && verify(hash, rawOf(der, info), { key, dsaEncoding: 'der' }, bits.subarray(1));
  } catch {
    valid = false;
  }
  if (!valid) throw new ValidationError('CSR signature does not verify with its own public key', 'CSR_SIGNATURE');
  const commonName = commonNames(rawOf(der, subject))[0];
  if (commonName !== deviceName) {
    throw new ValidationError(`CSR subject CN "${peerText(commonName ?? '')}" is not the device name ${deviceName}`, 'CSR_SUBJECT');
  }
  return { spkiDer, commonName };
}
