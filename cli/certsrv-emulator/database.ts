// The emulated CA's request database: every submitted request gets the next Request ID and a disposition, like the
// AD CS database. Disposition messages are rendered in the CA's current language when a page shows them.
import type * as x509 from '@peculiar/x509';
import { formatHresult, HRESULTS, type CertsrvStrings, type HresultName } from './locales.ts';

/** MS-WCCE disposition values shown on the "Error" page. */
export const DISPOSITION = { error: 1, denied: 2, issued: 3, underSubmission: 5 } as const;

export type RequestStatus = 'issued' | 'pending' | 'denied' | 'failed';

export interface CaRequestRecord {
  reqId: number;
  template: string;
  /** `CORP\user` who submitted. */
  requester: string;
  status: RequestStatus;
  submittedAt: Date;
  csr?: x509.Pkcs10CertificateRequest;
  certificate?: x509.X509Certificate;
  /** Why it was denied or failed. */
  hresult?: HresultName;
  /** Set when a CA manager denied a pending request. */
  deniedBy?: string;
}

export class CaDatabase {
  readonly records: CaRequestRecord[] = [];
  // Real CAs have issued many requests before ours; start somewhere that is not 1 so tests cannot assume it.
  private nextId: number;

  constructor(firstId = 40 + Math.floor(Math.random() * 50)) {
    if (!Number.isInteger(firstId) || firstId < 1 || firstId > 0xffff_ffff) throw new RangeError('AD CS request ids run from 1 to 4294967295');
    this.nextId = firstId;
  }

  add(record: Omit<CaRequestRecord, 'reqId' | 'submittedAt'>): CaRequestRecord {
    const stored: CaRequestRecord = { ...record, reqId: this.nextId++, submittedAt: new Date() };
    this.records.push(stored);
    return stored;
  }

  get(reqId: number): CaRequestRecord | undefined {
    return this.records.find((r) => r.reqId === reqId);
  }

  /** The record that a pending transition applies to; refuses anything but a pending request. */
  pending(reqId: number): CaRequestRecord {
    const record = this.get(reqId);
    if (!record) throw new Error(`certsrv emulator: no request ${reqId}`);
    if (record.status !== 'pending') throw new Error(`certsrv emulator: request ${reqId} is ${record.status}, not pending`);
    return record;
  }
}

export function dispositionCode(record: CaRequestRecord): number {
  switch (record.status) {
    case 'issued':
      return DISPOSITION.issued;
    case 'pending':
      return DISPOSITION.underSubmission;
    case 'denied':
      return DISPOSITION.denied;
    default:
      return DISPOSITION.error;
  }
}

/** The disposition message AD CS stores with the request, in the CA's language. */
export function dispositionMessage(s: CertsrvStrings, record: CaRequestRecord): string {
  switch (record.status) {
    case 'issued':
      return s.issued;
    case 'pending':
      return s.takenUnderSubmission;
    case 'denied': {
      if (record.deniedBy) return s.deniedBy(record.deniedBy);
      const name = record.hresult ?? 'CERTSRV_E_TEMPLATE_DENIED';
      const suffix = name === 'CERTSRV_E_UNSUPPORTED_CERT_TYPE' ? ` ${record.template}.` : '';
      // Two spaces after "Module", as AD CS writes it.
      return `${s.deniedByPolicyModule}  0x${HRESULTS[name].toString(16)}, ${s.hresultText[name]}${suffix}`;
    }
    default: {
      const name = record.hresult ?? 'CRYPT_E_ASN1_BADTAG';
      return `${s.errorParsingRequest}  ${s.hresultText[name]} ${formatHresult(name)}`;
    }
  }
}

/** The LastStatus line of the "Error" page. */
export function lastStatus(s: CertsrvStrings, record: CaRequestRecord): string {
  if (record.status === 'denied' && record.deniedBy) {
    return `${s.hresultText.CERTSRV_E_ADMIN_DENIED_REQUEST} ${formatHresult('CERTSRV_E_ADMIN_DENIED_REQUEST')}`;
  }
  if ((record.status === 'denied' || record.status === 'failed') && record.hresult) {
    return `${s.hresultText[record.hresult]} ${formatHresult(record.hresult)}`;
  }
  return `${s.operationCompleted} 0x0 (WIN32: 0 ERROR_SUCCESS)`;
}

export function successStatus(s: CertsrvStrings): string {
  return `${s.operationCompleted} 0x0 (WIN32: 0 ERROR_SUCCESS)`;
}
