// The CloudWatch names the dashboard reads. The runtime publishes them with Powertools Metrics (EMF) under the
// namespace it gets in POWERTOOLS_METRICS_NAMESPACE; README ("Deploy to AWS", operations) lists the same names.

export const METRIC_NAMESPACE = 'CAPF';

export const APP_METRICS = {
  /** One per CAPF session the listener accepted. */
  sessions: 'Sessions',
  /** One per LSC recorded as issued. */
  issuances: 'CertificatesIssued',
  /** One per session that ended with a failure; dimension `reason` carries the status reason. */
  failures: 'SessionFailures',
  /** Gauge from the expiry monitor: LSCs and CAPF certificates expiring within the warning window. */
  expiring: 'CertificatesExpiring',
} as const;

/** Log fields every line carries (Powertools appended keys), used by the dashboard's log query. */
export const LOG_FIELDS = { device: 'deviceName', session: 'sessionId' } as const;
