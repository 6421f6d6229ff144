// The expiry monitor function's definition (functions/bootstrap.ts): the event, the run and the metrics it publishes.
// EventBridge Scheduler invokes it every hour; a run whose time has not come (monitorSchedule said daily, and the
// next run is later) returns at once, so the work happens daily, and hourly while a certificate in service is within
// a day of its expiry. `{ "force": true }` runs now; `{ "dryRun": true }` reports without changing or sending anything.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import type { MonitorOutcome } from '../../shared/monitor-service/run.ts';
import type { ExpiryMonitor } from '../../shared/monitor-service/run.ts';
import type { FunctionDefinition, FunctionTools } from '../bootstrap.ts';

export const monitorEvent = z.object({ dryRun: z.boolean().optional(), force: z.boolean().optional() });
export type MonitorEvent = z.infer<typeof monitorEvent>;

export interface MonitorFunctionDeps {
  monitor: ExpiryMonitor;
}

/** The names the dashboard and the alarm read (infra/metrics.ts repeats them). */
export const MONITOR_METRICS = {
  expiring: 'CertificatesExpiring',
  critical: 'CertificatesCritical',
  /** Certificates in service (installed LSCs, the CAPF CA, trust certificates) by days left. */
  buckets: { le1: 'CertificatesWithin1Day', le7: 'CertificatesWithin7Days', le30: 'CertificatesWithin30Days', gt30: 'CertificatesBeyond30Days' },
  /** Every certificate, one value per state (dimension `state`). */
  byState: 'Certificates',
  revoked: 'CertificatesRevoked',
  armed: 'DevicesReenrolled',
  notificationFailures: 'NotificationFailures',
} as const;

function publish(outcome: MonitorOutcome, tools: FunctionTools): void {
  const { metrics, logger } = tools;
  if (outcome.skipped) {
    logger?.info('expiry monitor: not due yet', { nextRunAt: outcome.nextRunAt });
    return;
  }
  const { summary } = outcome;
  if (metrics && !summary.dryRun) {
    metrics.addMetric(MONITOR_METRICS.expiring, MetricUnit.Count, summary.metrics.expiringWithinLead);
    metrics.addMetric(MONITOR_METRICS.critical, MetricUnit.Count, summary.metrics.criticalWithinSevenDays);
    for (const [bucket, name] of Object.entries(MONITOR_METRICS.buckets)) {
      const count = Object.values(summary.metrics.byBucket).reduce((sum, buckets) => sum + buckets[bucket as keyof typeof MONITOR_METRICS.buckets], 0);
      metrics.addMetric(name, MetricUnit.Count, count);
    }
    for (const [state, count] of Object.entries(summary.metrics.byState)) {
      const single = metrics.singleMetric();
      single.addDimension('state', state);
      single.addMetric(MONITOR_METRICS.byState, MetricUnit.Count, count);
    }
    metrics.addMetric(MONITOR_METRICS.revoked, MetricUnit.Count, summary.revoked.length);
    metrics.addMetric(MONITOR_METRICS.armed, MetricUnit.Count, summary.armed.length);
    metrics.addMetric(MONITOR_METRICS.notificationFailures, MetricUnit.Count, summary.deliveries.filter((d) => d.error).length);
  }
  logger?.info('expiry monitor run', {
    dryRun: summary.dryRun,
    certificates: summary.certificates,
    dueNotices: summary.dueNotices,
    deliveries: summary.deliveries.map(({ recipient, channel, notices, error }) => ({ recipient, channel, notices, ...(error ? { error } : {}) })),
    revoked: summary.revoked.length,
    armed: summary.armed.length,
    crl: summary.crl,
    frequency: summary.schedule.frequency,
    nextRunAt: summary.schedule.nextRunAt,
  });
  for (const failed of summary.deliveries.filter((d) => d.error)) logger?.warn('expiry digest not sent', { recipient: failed.recipient, channel: failed.channel, reason: failed.error });
}

export function monitorFunction(deps: (tools: FunctionTools) => Promise<MonitorFunctionDeps>): FunctionDefinition<MonitorEvent, MonitorOutcome, MonitorFunctionDeps> {
  return {
    input: monitorEvent,
    deps,
    work: async (event, { monitor }, tools) => {
      const outcome = await monitor.runIfDue({ dryRun: event.dryRun === true, force: event.force === true || event.dryRun === true });
      publish(outcome, tools);
      return outcome;
    },
  };
}
