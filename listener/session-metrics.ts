// Session metrics for the dashboard (infra/metrics.ts): `Sessions` per ended session and `SessionFailures` with the
// failure reason as dimension, published as EMF lines on stdout (CloudWatch Logs turns them into metrics).
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SessionSummary } from './session-driver.ts';

export class SessionMetrics {
  private readonly metrics: Metrics;

  constructor(serviceName = 'capf-listener', namespace = 'capf') {
    this.metrics = new Metrics({ namespace, serviceName });
  }

  record(summary: SessionSummary): void {
    this.metrics.addMetric('Sessions', MetricUnit.Count, 1);
    if (summary.failed) {
      // Its own EMF line, so the reason dimension does not apply to the session count.
      const failure = this.metrics.singleMetric();
      failure.addDimension('reason', summary.code ?? 'UNKNOWN');
      failure.addMetric('SessionFailures', MetricUnit.Count, 1);
    }
  }

  /** Publishes what was recorded since the last flush (the entry point calls it every minute and at shutdown). */
  flush(): void {
    if (this.metrics.hasStoredMetrics()) this.metrics.publishStoredMetrics();
  }
}
