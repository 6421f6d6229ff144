// One run of the expiry monitor (F19) over the ports: gathers the certificates, arms re-enrolment, revokes what
// revocationsDue returns, sends each recipient one digest of the notices they have not had (email per address, one
// message per topic) and records the keys only once the message went out, keeps the CRL fresh, and returns a summary
// with the metrics and the schedule. The Lambda (functions/expiry-monitor), `capf serve`'s timer and `capf monitor run`
// all call this. docs/expiry-monitoring.md describes the rules and the wiring.
import {
  buildDigest,
  dueNotices,
  expiryMetrics,
  monitorSchedule,
  noticeKey,
  reenrolmentDue,
  revocationsDue,
  unsentNotices,
  type ExpiryMetrics,
  type MonitoredCertificate,
  type Notice,
  type ReenrolmentCandidate,
  type RevocationDue,
  type RunSchedule,
} from '../monitor/index.ts';
import type { CaSigner, DeviceStore, IssuanceKey, IssuanceStore, MonitorStore, Notifier, ParameterStore, ServiceParameters, TrustStore } from '../ports/index.ts';
import { abandonEarlierCertificates } from '../domain/certificate-states.ts';
import { refreshCrl, type CrlOutcome, type CrlSink } from './crl-publisher.ts';
import { capfCaCertificate, gatherLscs, gatherTrust, type GatheredLsc } from './gather.ts';
import { installedStillIssued, markInstalled } from './installed-records.ts';
import { countLscs } from './lsc-counts.ts';

/** Sent keys of certificates no longer due are pruned at most this many per recipient per run (the table has no TTL locally). */
const MAX_PRUNED_PER_RUN = 5_000;
/** Revocations written at once. */
const REVOKE_CONCURRENCY = 16;

export interface MonitorDeps {
  stores: { devices: DeviceStore; issuances: IssuanceStore; parameters: ParameterStore; monitor: MonitorStore; trust?: TrustStore };
  /** Email (SES, outbox) and/or topic (SNS, outbox) notifiers. */
  notifiers: readonly Notifier[];
  /** Email recipients when the parameters name none (the local stack: capf-admin@localhost). */
  fallbackRecipients?: readonly string[];
  /** The CAPF CA: its certificate is monitored; with a signer and a sink, the CRL is kept fresh. */
  ca?: { certificateDer: Uint8Array; signer?: CaSigner };
  crlSink?: CrlSink;
  clusterName: string;
  now?: () => Date;
}

export interface MonitorDelivery {
  recipient: string;
  channel: Notifier['channel'];
  notices: number;
  /** The message id (SES, SNS) or outbox file; absent in a dry run or after a failure. */
  id?: string;
  error?: string;
}

export interface MonitorSummary {
  at: string;
  dryRun: boolean;
  certificates: number;
  dueNotices: number;
  deliveries: MonitorDelivery[];
  revoked: RevocationDue[];
  armed: ReenrolmentCandidate[];
  /** Re-enrolment candidates left alone because their device has an operation pending (or is gone). */
  skippedReenrolment: string[];
  crl?: CrlOutcome;
  metrics: ExpiryMetrics;
  schedule: { frequency: RunSchedule['frequency']; nextRunAt: string; reason: string };
}

/** What runIfDue did: ran (with the summary), or nothing because the stored schedule's next run is later. */
export type MonitorOutcome = { skipped: false; summary: MonitorSummary } | { skipped: true; nextRunAt: string };

/** A scheduled invocation this close to the stored next run counts as due (schedules drift by seconds to minutes). */
const DUE_SLACK_MS = 5 * 60_000;

export class ExpiryMonitor {
  constructor(private readonly deps: MonitorDeps) {}

  /**
   * For an hourly trigger: runs when the schedule the last run stored says so (or with `force`), otherwise returns at
   * once. Each real run stores the next time from monitorSchedule (daily, or hourly near an expiry).
   */
  async runIfDue(options: { dryRun?: boolean; force?: boolean } = {}): Promise<MonitorOutcome> {
    if (!options.force) {
      const stored = await this.deps.stores.monitor.schedule();
      const now = (this.deps.now ?? (() => new Date()))();
      if (stored && now.getTime() + DUE_SLACK_MS < Date.parse(stored.nextRunAt)) return { skipped: true, nextRunAt: stored.nextRunAt };
    }
    return { skipped: false, summary: await this.run(options) };
  }

  async run(options: { dryRun?: boolean } = {}): Promise<MonitorSummary> {
    const dryRun = options.dryRun === true;
    const now = (this.deps.now ?? (() => new Date()))();
    const { stores } = this.deps;
    const parameters = await stores.parameters.get();
    // Installed LSCs whose record still says issued get installed written first; a dry run reads them so instead.
    const installed = await installedStillIssued(stores);
    if (!dryRun) await markInstalled(stores.issuances, installed);
    const unwritten = dryRun ? installed : [];
    const lscs = await gatherLscs(stores.issuances, parameters, now, unwritten);
    const others: MonitoredCertificate[] = [];
    const ca = this.deps.ca && capfCaCertificate(this.deps.ca.certificateDer);
    if (ca) others.push(ca);
    if (stores.trust) others.push(...(await gatherTrust(stores.trust, ca?.serialHex)));
    const certificates = [...lscs.map((lsc) => lsc.certificate), ...others];

    // Notices first: an LSC that expired since the last run is listed as expired in the digest that says it was revoked.
    const due = dueNotices(certificates, { now, leadDays: parameters.expiryLeadDays });
    const metrics = expiryMetrics(certificates, { now, leadDays: parameters.expiryLeadDays, lscCounts: await countLscs(stores.monitor, now, unwritten) });
    const candidates = parameters.reenrolmentEnabled ? reenrolmentDue(certificates, { now, fraction: parameters.reenrolmentFraction }) : [];
    const { armed, skipped } = await this.arm(candidates, dryRun);
    const revoked = await this.revoke(lscs, revocationsDue(certificates, now), dryRun);
    const revokedSerials = new Set(revoked.map((entry) => `${entry.device}\n${entry.serialHex}`));
    const after = certificates.map((c) => (c.kind === 'lsc' && revokedSerials.has(`${c.device}\n${c.serialHex.toLowerCase().replace(/^0+(?=.)/, '')}`) ? { ...c, state: 'revoked' as const } : c));
    const schedule = monitorSchedule(after, now);

    const deliveries = await this.deliver({ parameters, due, armed, revoked, schedule, now, dryRun });
    const crl = this.deps.ca?.signer && this.deps.crlSink ? await refreshCrl(stores.monitor, { certificateDer: this.deps.ca.certificateDer, signer: this.deps.ca.signer }, this.deps.crlSink, now, { dryRun }) : undefined;
    if (!dryRun) await stores.monitor.saveSchedule({ lastRunAt: now.toISOString(), nextRunAt: schedule.nextRunAt.toISOString() });
    return {
      at: now.toISOString(),
      dryRun,
      certificates: certificates.length,
      dueNotices: due.length,
      deliveries,
      revoked,
      armed,
      skippedReenrolment: skipped,
      ...(crl ? { crl } : {}),
      metrics,
      schedule: { frequency: schedule.frequency, nextRunAt: schedule.nextRunAt.toISOString(), reason: schedule.reason },
    };
  }

  /** Arms install with lsc-precedence on each candidate whose device has no operation pending. */
  private async arm(candidates: readonly ReenrolmentCandidate[], dryRun: boolean): Promise<{ armed: ReenrolmentCandidate[]; skipped: string[] }> {
    const armed: ReenrolmentCandidate[] = [];
    const skipped: string[] = [];
    for (const candidate of candidates) {
      const device = await this.deps.stores.devices.get(candidate.device);
      if (!device || device.operation !== 'none') {
        skipped.push(candidate.device);
        continue;
      }
      if (!dryRun) {
        const { name, keyOrder, rsaKeySize, curve } = device;
        const rearmed = await this.deps.stores.devices.put({ name, operation: 'install', authMode: 'lsc-precedence', keyOrder, rsaKeySize, curve }, { newOperation: true });
        await abandonEarlierCertificates(this.deps.stores.issuances, rearmed);
      }
      armed.push(candidate);
    }
    return { armed, skipped };
  }

  private async revoke(lscs: readonly GatheredLsc[], due: readonly RevocationDue[], dryRun: boolean): Promise<RevocationDue[]> {
    if (dryRun) return [...due];
    const keys = new Map<string, IssuanceKey>(lscs.map((lsc) => [`${lsc.certificate.device}\n${lsc.certificate.serialHex.toLowerCase().replace(/^0+(?=.)/, '')}`, lsc.key]));
    // A few conditional updates at a time (each is one item's own write), in the order revocationsDue gave.
    const results: boolean[] = [];
    for (let i = 0; i < due.length; i += REVOKE_CONCURRENCY) {
      const chunk = due.slice(i, i + REVOKE_CONCURRENCY);
      results.push(
        ...(await Promise.all(
          chunk.map(async (entry) => {
            const key = keys.get(`${entry.device}\n${entry.serialHex}`);
            return key !== undefined && (await this.deps.stores.monitor.revoke(key, entry.reason));
          }),
        )),
      );
    }
    return due.filter((_, i) => results[i]);
  }

  private async deliver(run: {
    parameters: ServiceParameters;
    due: Notice[];
    armed: ReenrolmentCandidate[];
    revoked: RevocationDue[];
    schedule: RunSchedule;
    now: Date;
    dryRun: boolean;
  }): Promise<MonitorDelivery[]> {
    const emailRecipients = run.parameters.expiryRecipients.length > 0 ? run.parameters.expiryRecipients : (this.deps.fallbackRecipients ?? []);
    const targets: Array<{ notifier: Notifier; recipient: string; to: string[] }> = [];
    for (const notifier of this.deps.notifiers) {
      if (notifier.channel === 'email') for (const address of emailRecipients) targets.push({ notifier, recipient: address, to: [address] });
      else targets.push({ notifier, recipient: `topic:${notifier.destination}`, to: [] });
    }
    const deliveries: MonitorDelivery[] = [];
    for (const { notifier, recipient, to } of targets) {
      const sent = await this.deps.stores.monitor.sentNotices(recipient);
      const unsent = unsentNotices(run.due, recipient, (key) => sent.has(key));
      const digest = buildDigest({ clusterName: this.deps.clusterName, now: run.now, leadDays: run.parameters.expiryLeadDays, notices: unsent.notices, armed: run.armed, revoked: run.revoked, schedule: run.schedule });
      if (!run.dryRun) await this.prune(recipient, sent, run.due);
      if (!digest) continue;
      const delivery: MonitorDelivery = { recipient, channel: notifier.channel, notices: unsent.notices.length };
      deliveries.push(delivery);
      if (run.dryRun) continue;
      try {
        const receipt = await notifier.send({ subject: digest.subject, text: digest.text, html: digest.html, json: digest.json, recipients: to });
        delivery.id = receipt.id;
      } catch (error) {
        // Nothing recorded: the next run sends these notices again.
        delivery.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        continue;
      }
      await this.deps.stores.monitor.recordSent(recipient, unsent.keys);
    }
    return deliveries;
  }

  /** Forgets sent keys whose certificate is no longer due at that level (renewed, revoked, removed, moved on). */
  private async prune(recipient: string, sent: Set<string>, due: readonly Notice[]): Promise<void> {
    if (sent.size === 0) return;
    const current = new Set(due.map((notice) => noticeKey(recipient, notice)));
    const stale = [...sent].filter((key) => !current.has(key)).slice(0, MAX_PRUNED_PER_RUN);
    if (stale.length > 0) await this.deps.stores.monitor.forgetSent(recipient, stale);
  }
}
