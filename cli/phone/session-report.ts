// Turns a PhoneResult into the lines `capf phone` prints and the verdict its exit status follows.
import { Reason } from '../../shared/protocol/constants.ts';
import type { PhoneOperation, PhoneResult } from './types.ts';

export type PhoneVerb = 'install' | 'fetch' | 'delete';
export const PHONE_VERBS: readonly PhoneVerb[] = ['install', 'fetch', 'delete'];

const END_REASON_MEANINGS: Record<number, string> = {
  [Reason.NoAction]: 'no action',
  [Reason.UpdateCertificate]: 'done',
  [Reason.InvalidElement]: 'failed',
  [Reason.UnknownDevice]: 'unknown device',
};

/** The END_SESSION reason each verb must end with when it worked (capfd's usage, docs/protocol.md §6). */
const EXPECTED_END: Record<PhoneVerb, number> = { install: Reason.UpdateCertificate, fetch: Reason.NoAction, delete: Reason.UpdateCertificate };

function describeEndReason(reason: number): string {
  return `${reason} (${END_REASON_MEANINGS[reason] ?? 'unknown reason'})`;
}

const ASKED: Record<PhoneOperation, string> = {
  install: 'install (key generation and certificate delivery)',
  fetch: 'fetch (troubleshoot: send the LSC)',
  delete: 'delete the LSC',
  none: 'nothing (ended the session right after authentication)',
  unknown: 'unknown (the session did not get past authentication)',
};

export interface SessionVerdict {
  ok: boolean;
  lines: string[];
  /** Why the session did not do what the verb wanted; absent when ok. */
  problem?: string;
}

function findProblem(verb: PhoneVerb, deviceName: string, result: PhoneResult): string | undefined {
  if (result.endReason === Reason.UnknownDevice) return `the server does not know device ${deviceName} (END_SESSION ${Reason.UnknownDevice})`;
  if (result.endReason === undefined) {
    return `the session ended without END_SESSION${result.error ? `: ${result.error}` : ' (the connection closed)'}`;
  }
  if (result.operation === 'none') {
    if (result.endReason === Reason.NoAction && result.endInfo) return `the server did nothing for ${deviceName}: ${result.endInfo}`;
    return result.endReason === Reason.NoAction
      ? `the server has no operation scheduled for ${deviceName}`
      : `the server ended the session with ${describeEndReason(result.endReason)} right after authentication`;
  }
  if (result.operation !== verb) {
    return `the server asked for ${result.operation}, not ${verb}; END_SESSION ${describeEndReason(result.endReason)}`;
  }
  if (waitsForOfflineCa(verb, result)) return undefined;
  const expected = EXPECTED_END[verb];
  if (result.endReason !== expected) {
    return `the session ended with ${describeEndReason(result.endReason)}, not ${describeEndReason(expected)}${result.error ? `; phone: ${result.error}` : ''}`;
  }
  if (verb === 'install' && !result.certificatePem) return `no certificate was stored${result.error ? `: ${result.error}` : ''}`;
  return undefined;
}

/** The phone sent its CSR and the server ended with "no action now": the certificate comes in a later session (offline CA). */
function waitsForOfflineCa(verb: PhoneVerb, result: PhoneResult): boolean {
  return verb === 'install' && result.operation === 'install' && result.csrDer !== undefined && !result.certificatePem && result.endReason === Reason.NoAction;
}

export function judgeSession(verb: PhoneVerb, deviceName: string, target: string, result: PhoneResult): SessionVerdict {
  const lines = [`session ${result.sessionId} with ${target}${result.tlsProtocol ? ` over ${result.tlsProtocol}` : ''}`];
  lines.push(`server asked: ${ASKED[result.operation]}`);
  lines.push(result.endReason === undefined ? 'no END_SESSION (connection closed)' : `END_SESSION ${describeEndReason(result.endReason)}${result.endInfo ? `: ${result.endInfo}` : ''}`);
  if (result.certificatePem) lines.push('certificate stored');
  if (waitsForOfflineCa(verb, result)) lines.push('CSR sent; the certificate waits for the offline CA: keep the key (--key-out) and run again with --pending-key once it is imported');
  if (result.fetchedAnswered !== undefined) lines.push(result.fetchedAnswered ? 'sent the LSC to the server' : 'had no LSC to send');
  if (result.error) lines.push(`phone: ${result.error}`);
  const problem = findProblem(verb, deviceName, result);
  return problem ? { ok: false, lines, problem } : { ok: true, lines };
}

export function formatTranscript(result: PhoneResult): string[] {
  return result.transcript.map(
    (entry) => `${entry.direction === 'S' ? 'S→P' : 'P→S'} ${entry.name} session ${entry.sessionId} tags [${entry.tags.join(', ')}]`,
  );
}
