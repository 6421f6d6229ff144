// The CloudWatch names the dashboard reads. The runtime publishes them with Powertools Metrics (EMF); each metric
// also carries the `service` dimension (capf-sign, capf-listener...). README ("Deploy to AWS") lists them.

export const METRIC_NAMESPACE = 'capf';
/** The expiry monitor's Powertools service name (functions/expiry-monitor/handler.ts): the `service` dimension. */
export const EXPIRY_MONITOR_SERVICE = 'capf-expiry-monitor';

export const APP_METRICS = {
  /** Sign function: one per LSC issued, and one per request left pending (offline CA, CA approval). */
  issuances: 'Issuances',
  pending: 'Pending',
  /** Sign function: one per refused request, dimension `code` (the refusal reason). */
  refusals: 'Refusals',
  /** Sign function: invocations that failed (errors, not refusals), and the time each request took. */
  signFailures: 'SignFailures',
  signLatency: 'SignLatency',
  /** Listener: one per CAPF session accepted, and one per session ended by a failure (dimension `reason`). */
  sessions: 'Sessions',
  sessionFailures: 'SessionFailures',
  /** Expiry monitor: LSCs and CAPF certificates expiring within the warning window (a gauge). */
  expiring: 'CertificatesExpiring',
  /** Expiry monitor: LSCs and CAPF certificates in service with 7 days or less left (the alarm fires above 0). */
  critical: 'CertificatesCritical',
  /** Expiry monitor: certificates in service by days left (gauges; functions/expiry-monitor/monitor-function.ts). */
  expiryBuckets: { le1: 'CertificatesWithin1Day', le7: 'CertificatesWithin7Days', le30: 'CertificatesWithin30Days', gt30: 'CertificatesBeyond30Days' },
  /** Expiry monitor: every certificate, one gauge per value of the dimension `state`. */
  certificatesByState: 'Certificates',
  /** Bulk function (functions/bulk/bulk-function.ts BULK_METRICS): jobs ended, their devices updated and failed. */
  bulkJobsEnded: 'BulkJobsEnded',
  bulkDevicesUpdated: 'BulkDevicesUpdated',
  bulkDevicesFailed: 'BulkDevicesFailed',
  /** Bulk function: runs cut short by the Lambda time limit and continued in a new invocation. */
  bulkRunsContinued: 'BulkRunsContinued',
} as const;

/** Log fields that name the device and the session (Powertools keys; the listener writes `device`, the sign
 *  function `deviceName`). */
export const LOG_FIELDS = { device: ['deviceName', 'device'], session: 'sessionId' } as const;
