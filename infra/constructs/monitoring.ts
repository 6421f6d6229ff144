// Operability: the listener's alarms and one dashboard with sessions, issuances, failures by reason, sign latency,
// certificates expiring and the state of every alarm. Application metrics come from the runtime through
// Powertools (EMF); SEARCH expressions pick them up whatever extra dimensions they carry.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { APP_METRICS, EXPIRY_MONITOR_SERVICE, LOG_FIELDS, METRIC_NAMESPACE } from '../metrics.ts';
import type { CapfFunction } from './capf-function.ts';
import type { Listener } from './listener.ts';

export interface MonitoringProps {
  environment: string;
  listener: Listener;
  functions: CapfFunction[];
  topic: sns.ITopic;
}

const FIVE_MINUTES = Duration.minutes(5);

/** Sum of an application metric across every dimension set it is published with. */
function appMetricTotal(metricName: string, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SUM(SEARCH('Namespace="${METRIC_NAMESPACE}" MetricName="${metricName}"', 'Sum', 300))`,
    label,
    period: FIVE_MINUTES,
  });
}

/** One line per value of `dimension` (with the `service` dimension Powertools always adds). */
function appMetricByDimension(metricName: string, dimension: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${METRIC_NAMESPACE},${dimension},service} MetricName="${metricName}"', 'Sum', 300)`,
    label: '',
    period: FIVE_MINUTES,
  });
}

/** The legends of the expiry buckets (shared/monitor EXPIRY_BUCKET_LABELS says the same). */
const EXPIRY_BUCKET_LEGENDS = { le1: '≤1 day', le7: '≤7 days', le30: '≤30 days', gt30: '>30 days' } as const;

export class Monitoring extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { listener } = props;
    const minute = { period: Duration.minutes(1) };

    const noHealthyListener = new cloudwatch.Alarm(this, 'NoHealthyListenerAlarm', {
      metric: listener.targetGroup.metrics.healthyHostCount({ ...minute, statistic: cloudwatch.Stats.MINIMUM }),
      threshold: 1,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription: 'capf listener: no healthy task behind the load balancer, phones cannot enrol',
    });
    const unhealthyListener = new cloudwatch.Alarm(this, 'UnhealthyListenerAlarm', {
      metric: listener.targetGroup.metrics.unHealthyHostCount({ ...minute, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      evaluationPeriods: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'capf listener: a task has failed its health check for 5 minutes',
    });
    // The expiry monitor publishes once per run (daily, hourly near an expiry); between runs the alarm keeps its state.
    const certificatesCritical = new cloudwatch.Alarm(this, 'CertificatesCriticalAlarm', {
      metric: new cloudwatch.Metric({
        namespace: METRIC_NAMESPACE,
        metricName: APP_METRICS.critical,
        dimensionsMap: { service: EXPIRY_MONITOR_SERVICE },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.hours(6),
      }),
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      alarmDescription: 'capf expiry monitor: an LSC or the CAPF certificate in service expires within 7 days (see the expiry digest, capf report expiry)',
    });
    const listenerAlarms = [noHealthyListener, unhealthyListener, certificatesCritical];
    for (const alarm of listenerAlarms) alarm.addAlarmAction(new cloudwatchActions.SnsAction(props.topic));
    this.alarms = [...listenerAlarms, ...props.functions.flatMap((fn) => fn.alarms)];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      // Dashboard names are unique per account, across regions: one CAPF deployment per environment name.
      dashboardName: `capf-${props.environment}`,
      defaultInterval: Duration.days(1),
    });
    const sign = props.functions.find((fn) => fn.spec.id === 'sign');
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Sessions',
        left: [
          appMetricTotal(APP_METRICS.sessions, 'CAPF sessions'),
          listener.loadBalancer.metrics.newFlowCount({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM, label: 'New TCP connections on 3804' }),
        ],
        right: [listener.loadBalancer.metrics.activeFlowCount({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.MAXIMUM, label: 'Open connections' })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Issuances',
        left: [appMetricTotal(APP_METRICS.issuances, 'LSCs issued'), appMetricTotal(APP_METRICS.pending, 'Requests left pending')],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Failures by reason',
        left: [
          // One line per refusal code of the sign function, one per failure reason of the listener.
          appMetricByDimension(APP_METRICS.refusals, 'code'),
          appMetricByDimension(APP_METRICS.sessionFailures, 'reason'),
          appMetricTotal(APP_METRICS.signFailures, 'Sign errors'),
        ],
        stacked: true,
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Sign latency (ms)',
        left: sign
          ? ['p50', 'p90', 'p99', 'Maximum'].map((statistic) => sign.function.metricDuration({ period: FIVE_MINUTES, statistic, label: statistic }))
          : [],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Certificates expiring (LSC and CAPF, within the warning window)',
        left: [
          new cloudwatch.MathExpression({
            expression: `MAX(SEARCH('Namespace="${METRIC_NAMESPACE}" MetricName="${APP_METRICS.expiring}"', 'Maximum', 3600))`,
            label: 'Expiring certificates',
            period: Duration.hours(1),
          }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Certificates in service by days to expiry',
        left: Object.entries(APP_METRICS.expiryBuckets).map(
          ([bucket, name]) =>
            new cloudwatch.MathExpression({
              expression: `MAX(SEARCH('Namespace="${METRIC_NAMESPACE}" MetricName="${name}"', 'Maximum', 3600))`,
              label: EXPIRY_BUCKET_LEGENDS[bucket as keyof typeof EXPIRY_BUCKET_LEGENDS],
              period: Duration.hours(1),
            }),
        ),
        stacked: true,
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Certificates by state',
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${METRIC_NAMESPACE},service,state} MetricName="${APP_METRICS.certificatesByState}"', 'Maximum', 3600)`,
            label: '',
            period: Duration.hours(1),
          }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Bulk jobs (counted when a job ends)',
        left: [appMetricTotal(APP_METRICS.bulkDevicesUpdated, 'Devices updated'), appMetricTotal(APP_METRICS.bulkDevicesFailed, 'Devices failed')],
        right: [appMetricTotal(APP_METRICS.bulkJobsEnded, 'Jobs ended'), appMetricTotal(APP_METRICS.bulkRunsContinued, 'Runs continued (time limit)')],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Listener tasks',
        left: [
          listener.targetGroup.metrics.healthyHostCount({ ...minute, statistic: cloudwatch.Stats.MINIMUM, label: 'Healthy' }),
          listener.targetGroup.metrics.unHealthyHostCount({ ...minute, statistic: cloudwatch.Stats.MAXIMUM, label: 'Unhealthy' }),
        ],
        right: [listener.service.metricCpuUtilization({ label: 'CPU %' }), listener.service.metricMemoryUtilization({ label: 'Memory %' })],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 8, height: 8 }),
      new cloudwatch.LogQueryWidget({
        title: 'Latest warnings and errors (device, session)',
        logGroupNames: [listener.logGroup.logGroupName, ...props.functions.map((fn) => fn.logGroup.logGroupName)],
        queryLines: [
          `fields @timestamp, @log, coalesce(${LOG_FIELDS.device.join(', ')}) as device, ${LOG_FIELDS.session}, level, message`,
          'filter level = "ERROR" or level = "WARN"',
          'sort @timestamp desc',
          'limit 50',
        ],
        width: 16,
        height: 8,
      }),
    );
  }
}
