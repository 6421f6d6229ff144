// Bulk jobs' one-time schedules (issue 14): the schedule group the admin function creates them in (named
// capf-bulk-<job id>, shared/schedule/aws-job-scheduler.ts), the role every such schedule assumes (it may invoke the
// bulk function and nothing else), and what the admin function may do with them: create, read and delete schedules
// of that group whose name starts with capf-bulk-, pass that one role to the scheduler, invoke the bulk function
// for a job due now. Deleting the group deletes any schedule still waiting in it.
import { Aws, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { CapfFunction } from './capf-function.ts';
import { nagValue } from '../nag-ids.ts';

export const BULK_SCHEDULE_PREFIX = 'capf-bulk-';

export class BulkSchedules extends Construct {
  readonly group: scheduler.ScheduleGroup;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, private readonly bulk: CapfFunction) {
    super(scope, id);
    this.group = new scheduler.ScheduleGroup(this, 'Group', { removalPolicy: RemovalPolicy.DESTROY });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } }),
      description: 'capf bulk job schedules: invoke the bulk function, nothing else',
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [bulk.function.functionArn] }));
  }

  /** The schedules this group may hold for bulk jobs: schedule/<group>/capf-bulk-*. */
  get scheduleArns(): string {
    return Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.group.scheduleGroupName}/${BULK_SCHEDULE_PREFIX}*` });
  }

  /** What the admin function needs to schedule, start and cancel bulk jobs, and the variables that name them. */
  grantScheduling(fn: CapfFunction): void {
    const arns = this.scheduleArns;
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'], resources: [arns] }));
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.role.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } }),
    );
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.bulk.function.functionArn] }));
    Validations.of(fn.role).acknowledge({
      // cdk-nag names the resource as the template writes it: literal where the stack's environment is known,
      // pseudo parameters in angle brackets where not.
      id: `AwsSolutions-IAM5[Resource::${nagValue(this, arns)}]`,
      reason: 'One schedule per bulk job, named after the job at run time; only capf-bulk-* schedules of the stack\'s own group.',
    });
    fn.function.addEnvironment('CAPF_BULK_FUNCTION_ARN', this.bulk.function.functionArn);
    fn.function.addEnvironment('CAPF_BULK_SCHEDULER_ROLE_ARN', this.role.roleArn);
    fn.function.addEnvironment('CAPF_BULK_SCHEDULE_GROUP', this.group.scheduleGroupName);
  }
}
