// `capf serve` runs the expiry monitor on a timer: it checks every hour (and right after the start) and runs when the
// schedule the last run stored is due (daily; hourly while a certificate in service is within a day of its expiry),
// the same rule as the Lambda's hourly schedule. A failed run is logged and tried again at the next check.
import type { CapfLogger } from '../../shared/logging.ts';
import type { ExpiryMonitor } from '../../shared/monitor-service/run.ts';

export const MONITOR_CHECK_MS = 3_600_000;
/** The first check waits a little, so the listener's start is not slowed by it. */
const FIRST_CHECK_MS = 5_000;

export interface MonitorTimer {
  stop(): Promise<void>;
}

export function startMonitorTimer(monitor: () => ExpiryMonitor, logger: CapfLogger, checkMs = MONITOR_CHECK_MS): MonitorTimer {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const check = () => {
    running = monitor()
      .runIfDue()
      .then(
        (outcome) => {
          if (outcome.skipped) return;
          const { summary } = outcome;
          logger.info('expiry monitor run', {
            dueNotices: summary.dueNotices,
            sent: summary.deliveries.filter((d) => d.id).length,
            revoked: summary.revoked.length,
            armed: summary.armed.length,
            crl: summary.crl?.published ? summary.crl.location : undefined,
            nextRunAt: summary.schedule.nextRunAt,
          });
          for (const failed of summary.deliveries.filter((d) => d.error)) logger.warn('expiry digest not sent', { recipient: failed.recipient, reason: failed.error });
        },
        (error: unknown) => logger.warn('expiry monitor run failed', { reason: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => {
        running = undefined;
        if (!stopped) schedule(checkMs);
      });
  };
  const schedule = (ms: number) => {
    timer = setTimeout(check, ms);
    timer.unref();
  };
  schedule(Math.min(FIRST_CHECK_MS, checkMs));
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
