// The asynchronous triggers of registry functions: EventBridge Scheduler for timed work (F19 expiry monitor) and
// the CSR bucket's "object created" events for offline CA imports (F3). Events that fail every retry go to the
// function's failure queue either way.
import { Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { nagArnRef } from '../nag-ids.ts';
import type { CapfFunction } from './capf-function.ts';

export class ScheduledInvocation extends Construct {
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, fn: CapfFunction, expression: string) {
    super(scope, id);
    // Our own role, so the acknowledgement below sits on this construct and nothing else shares the role.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } }),
      description: `capf ${fn.spec.id} schedule: invoke the function, send failed events to its queue`,
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArnRef(fn.function)}:*]`,
      reason: "CDK's Scheduler target grants invoke on the function's versions too; the schedule only calls $LATEST.",
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `capf ${fn.spec.id}: ${fn.spec.description}`,
      schedule: scheduler.ScheduleExpression.expression(expression),
      target: new targets.LambdaInvoke(fn.function, {
        role,
        deadLetterQueue: fn.failureQueue,
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
      }),
    });
  }
}

/** Invokes `fn` for every object created under `prefix` in `bucket`. */
export function invokeOnUpload(bucket: s3.Bucket, fn: CapfFunction, prefix: string): void {
  bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(fn.function), { prefix });
  // CDK configures bucket notifications through one provider function per stack; it is CDK's code, not ours.
  const provider = Stack.of(bucket).node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'));
  if (provider) {
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "CDK's bucket-notification provider (run at deployment only) writes its logs with the AWS basic execution policy.",
    });
  }
}
