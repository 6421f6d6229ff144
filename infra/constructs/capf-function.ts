// One Lambda function from the registry: bundled by the local esbuild (never Docker, see infra/bundling.ts) or taken
// prebuilt, with its own role (log writes only until the fleet grants its access), its own log group, a failure queue
// when nothing waits for its answer, and alarms on errors and throttles.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EsbuildLocalBundling } from '../bundling.ts';
import { isAsynchronous, type FunctionSpec } from '../functions.ts';
import { METRIC_NAMESPACE } from '../metrics.ts';

export interface CapfFunctionProps {
  spec: FunctionSpec;
  repoRoot: string;
  /** Where prebuilt bundles live (<dir>/<id>/index.mjs); unset means bundle `spec.entry` now. */
  prebuiltDir?: string;
  logRetention: logs.RetentionDays;
  alarmTopic: sns.ITopic;
}

export class CapfFunction extends Construct {
  readonly spec: FunctionSpec;
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** Async invocations that failed every retry land here (schedule and bucket triggers only). */
  readonly failureQueue?: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: CapfFunctionProps) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `capf ${spec.id} function: only what infra/functions.ts grants it`,
    });
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    logGroup.grantWrite(this.role);
    this.logGroup = logGroup;

    if (isAsynchronous(spec.trigger)) {
      this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(this.failureQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: "This queue is the function's on-failure destination, i.e. it is the dead-letter queue.",
      });
    }

    const settings: Omit<lambda.FunctionProps, 'code' | 'handler'> = {
      description: spec.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb ?? 512,
      timeout: Duration.seconds(spec.timeoutSeconds ?? 30),
      role: this.role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      environment: {
        POWERTOOLS_SERVICE_NAME: `capf-${spec.id}`,
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
      ...(this.failureQueue && {
        onFailure: new destinations.SqsDestination(this.failureQueue),
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
      }),
    };
    const code = props.prebuiltDir
      ? lambda.Code.fromAsset(existingPath(join(props.prebuiltDir, spec.id), spec, 'prebuilt bundle directory'))
      : lambda.Code.fromAsset(props.repoRoot, {
          // The asset is what esbuild wrote (its hash is the output's), not the repository it read.
          assetHashType: AssetHashType.OUTPUT,
          bundling: {
            local: new EsbuildLocalBundling(props.repoRoot, relativeEntry(props.repoRoot, spec), 'function'),
            // Never used: local bundling always answers (or throws), so CDK never falls back to Docker.
            image: DockerImage.fromRegistry('capf-bundles-locally'),
          },
        });
    this.function = new lambda.Function(this, 'Function', { ...settings, handler: 'index.handler', code });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'nodejs22.x is the runtime the project targets (production runs Node 22); 24.x is adopted with the local Node version.',
    });

    this.addAlarms(props.alarmTopic);
  }

  private addAlarms(topic: sns.ITopic): void {
    const fiveMinutes = { period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM };
    const watched: [string, cloudwatch.IMetric, string][] = [
      ['Errors', this.function.metricErrors(fiveMinutes), 'invocations failed'],
      ['Throttles', this.function.metricThrottles(fiveMinutes), 'invocations were throttled'],
    ];
    if (this.failureQueue) {
      const waiting = this.failureQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM });
      watched.push(['FailedEvents', waiting, 'events are waiting in the failure queue']);
    }
    for (const [name, metric, what] of watched) {
      const alarm = new cloudwatch.Alarm(this, `${name}Alarm`, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `capf ${this.spec.id} function: ${what}`,
      });
      alarm.addAlarmAction(new cloudwatchActions.SnsAction(topic));
      this.alarms.push(alarm);
    }
  }
}

/** The handler file, checked to exist, relative to the repository root. */
function relativeEntry(repoRoot: string, spec: FunctionSpec): string {
  existingPath(join(repoRoot, spec.entry), spec, 'handler file');
  return spec.entry;
}

function existingPath(path: string, spec: FunctionSpec, what: string): string {
  if (!existsSync(path)) {
    throw new Error(
      `capf "${spec.id}" function: ${what} ${path} does not exist. infra/functions.ts lists ${spec.entry}; ` +
        'write that handler (exporting `handler`), or synth with -c prebuiltFunctionsDir=<dir holding <id>/index.mjs>.',
    );
  }
  return path;
}
