// Where things are in the CSR bucket: csr/<device>/<yyyy-mm-ddTHHMMSSZ>-<request id>.csr for the phones' CSRs (PEM),
// signed/<name> for what administrators drop, signed/<name>.result.json for what the import made of it.
export const CSR_FOLDER = 'csr/';
export const SIGNED_FOLDER = 'signed/';
export const REPORT_SUFFIX = '.result.json';

/** `2026-12-02T101500Z`: sorts by time, and has no colon (awkward in file names on Windows and in S3 consoles). */
export function compactTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '');
}

/** The CSR's object key; the request id is kept to safe characters and 64 of them. */
export function csrObjectKey(deviceName: string, requestedAt: Date, requestId: string): string {
  const id = requestId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
  return `${CSR_FOLDER}${deviceName}/${compactTimestamp(requestedAt)}-${id}.csr`;
}

/** An upload the import reads: under signed/, not a report of ours, not a "folder" placeholder. */
export function isSignedUpload(key: string): boolean {
  return key.startsWith(SIGNED_FOLDER) && !key.endsWith(REPORT_SUFFIX) && !key.endsWith('/') && key.length > SIGNED_FOLDER.length;
}

export function reportKeyFor(uploadKey: string): string {
  return `${uploadKey}${REPORT_SUFFIX}`;
}
