// Keeps the CAPF CA's CRL fresh: lists the revoked LSCs within the retention, decides with crlRefreshDue whether a new
// CRL is due (none yet, the list changed, or half its validity passed), signs it with the next CRL number through the
// CA's signer and hands it to the publisher (the bucket in AWS, <data>/capf.crl locally); the number is recorded
// conditionally, so two runs never publish the same number twice.
import { createHash } from 'node:crypto';
import { CRL_RETENTION_DAYS, crlRefreshDue, DAY_MS, planCrl, type RevokedCertificate } from '../monitor/index.ts';
import { CrlBuilder } from '../pki/crl.ts';
import type { CaSigner, MonitorStore } from '../ports/index.ts';

/** Where a CRL goes: returns where it was written (an S3 URI, a file path). */
export interface CrlSink {
  publish(crlDer: Uint8Array): Promise<string>;
}

export interface CrlAuthority {
  certificateDer: Uint8Array;
  signer: CaSigner;
}

export interface CrlOutcome {
  published: boolean;
  crlNumber: number;
  entries: number;
  thisUpdate: string;
  nextUpdate: string;
  location?: string;
}

function listHash(revoked: readonly RevokedCertificate[]): string {
  const lines = revoked.map((entry) => `${entry.serialHex.toLowerCase().replace(/^0+(?=.)/, '')} ${entry.reason}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** Publishes a new CRL when one is due (or `force`); dryRun decides without signing or writing. */
export async function refreshCrl(store: MonitorStore, authority: CrlAuthority, sink: CrlSink, now: Date, options: { dryRun?: boolean; force?: boolean } = {}): Promise<CrlOutcome> {
  const retentionFrom = new Date(now.getTime() - CRL_RETENTION_DAYS.default * DAY_MS).toISOString();
  const revoked: RevokedCertificate[] = (await store.listRevoked(retentionFrom)).map((lsc) => ({ serialHex: lsc.serialHex, revokedAt: lsc.revokedAt, reason: lsc.reason, notAfter: lsc.notAfter }));
  const plan = planCrl(revoked, { now });
  const hash = listHash(revoked);
  const current = await store.publishedCrl();
  const due = options.force === true || crlRefreshDue(current && { thisUpdate: new Date(current.thisUpdate), nextUpdate: new Date(current.nextUpdate) }, now, current?.listHash !== hash);
  const crlNumber = (current?.crlNumber ?? 0) + (due ? 1 : 0);
  const outcome: CrlOutcome = {
    published: false,
    crlNumber,
    entries: plan.entries.length,
    thisUpdate: due ? plan.thisUpdate.toISOString() : (current?.thisUpdate ?? ''),
    nextUpdate: due ? plan.nextUpdate.toISOString() : (current?.nextUpdate ?? ''),
  };
  if (!due || options.dryRun) return outcome;
  const crlDer = await new CrlBuilder(authority.certificateDer, authority.signer).build({ entries: plan.entries, crlNumber, thisUpdate: plan.thisUpdate, nextUpdate: plan.nextUpdate });
  const location = await sink.publish(crlDer);
  await store.savePublishedCrl({ crlNumber, thisUpdate: outcome.thisUpdate, nextUpdate: outcome.nextUpdate, listHash: hash }, current?.crlNumber);
  return { ...outcome, published: true, location };
}
