// HRESULTs that certsrv pages show (docs/online-ca.md §2.3), mapped to a refusal code and advice. The hex value is the one
// marker that survives every page language, so classification hangs on it, never on the sentences around it.
import type { MicrosoftCaCode } from './errors.ts';

export interface HresultMeaning {
  symbol: string;
  code: MicrosoftCaCode;
  advice: string;
}

const KNOWN: Record<number, HresultMeaning> = {
  0x80094800: {
    symbol: 'CERTSRV_E_UNSUPPORTED_CERT_TYPE',
    code: 'TEMPLATE_UNKNOWN',
    advice:
      'the CA does not issue this template: configure the template name (not its display name) and publish it on the CA (Certification Authority console > Certificate Templates > New > Certificate Template to Issue)',
  },
  0x80094801: {
    symbol: 'CERTSRV_E_NO_CERT_TYPE',
    code: 'TEMPLATE_UNKNOWN',
    advice: 'the request named no template the CA knows: check the template name',
  },
  0x80094012: {
    symbol: 'CERTSRV_E_TEMPLATE_DENIED',
    code: 'PERMISSION_DENIED',
    advice: "the enrollment account lacks Read + Enroll on the template: add them in the template's Security tab",
  },
  0x80094011: {
    symbol: 'CERTSRV_E_ENROLL_DENIED',
    code: 'PERMISSION_DENIED',
    advice: "the enrollment account may not enroll on this CA: grant it Request Certificates in the CA's Security tab",
  },
  0x80070005: {
    symbol: 'E_ACCESSDENIED',
    code: 'PERMISSION_DENIED',
    advice: 'access denied: check the permissions of the enrollment account on the CA and the template',
  },
  0x80094811: {
    symbol: 'CERTSRV_E_KEY_LENGTH',
    code: 'DENIED_BY_POLICY',
    advice: "the phone's key is shorter than the template's minimum key size: raise the device's RSA key size or lower the template minimum",
  },
  0x80094014: {
    symbol: 'CERTSRV_E_ADMIN_DENIED_REQUEST',
    code: 'DENIED_BY_ADMIN',
    advice: 'a CA certificate manager denied the request: ask why, then start a new certificate operation for the device',
  },
  0x80094004: {
    symbol: 'CERTSRV_E_PROPERTY_EMPTY',
    code: 'NOT_FOUND',
    advice: 'the CA has no such request (deleted from the CA database, or another CA answered): start a new certificate operation',
  },
  0x800706ba: {
    symbol: 'RPC_S_SERVER_UNAVAILABLE',
    code: 'CA_UNAVAILABLE',
    advice: 'the web enrollment site cannot reach the Certification Authority service: start the CA service (certsvc) or fix the link between IIS and the CA',
  },
  0x80090006: {
    symbol: 'NTE_BAD_SIGNATURE',
    code: 'BAD_CSR',
    advice: "the CA could not verify the CSR's signature",
  },
};

/** The meaning of a failure HRESULT, or a generic one naming the value when it is not in the table. */
export function explainHresult(value: number, context: 'denied' | 'error'): HresultMeaning {
  const known = KNOWN[value];
  if (known) return known;
  if ((value & 0xfffff000) >>> 0 === 0x80093000 || (value & 0xfffff000) >>> 0 === 0x80092000) {
    return { symbol: `0x${value.toString(16)}`, code: 'BAD_CSR', advice: 'the CA could not parse the CSR (ASN.1/encoding error)' };
  }
  return context === 'denied'
    ? { symbol: `0x${value.toString(16)}`, code: 'DENIED_BY_POLICY', advice: "the CA's policy module denied the request: see the disposition message" }
    : { symbol: `0x${value.toString(16)}`, code: 'CA_ERROR', advice: 'the CA reported an error: see the disposition message and the CA event log' };
}
