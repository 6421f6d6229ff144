// Every registry function: its own least-privilege role, Node 22 with JSON logs, a failure queue when invoked
// asynchronously, alarms; and the triggers later functions slot into (admin API, schedule, bucket events).
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, buildCapf, logicalIdOf, policyStatementsOf, WITH_FUTURE_FUNCTIONS } from './support.ts';

let template: Template;
let cleanup: () => void;

beforeAll(() => {
  ({ template, cleanup } = buildCapf({ functions: WITH_FUTURE_FUNCTIONS }));
});
afterAll(() => cleanup());

const fn = (name: string) => logicalIdOf(template, 'AWS::Lambda::Function', `Functions${name}Function`);
const role = (name: string) => logicalIdOf(template, 'AWS::IAM::Role', `Functions${name}Role`);
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const table = () => logicalIdOf(template, 'AWS::DynamoDB::Table', 'StorageTable');
const scheduleGroup = () => {
  const groups = Object.values(template.findResources('AWS::Scheduler::ScheduleGroup'));
  return String(groups[0]?.Properties.Name);
};

/** A policy resource as text: a logical id for Ref/GetAtt, joined parts for Fn::Join (`Bucket/*`). */
function resourceKey(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if ('Ref' in node) return String(node.Ref);
  if ('Fn::GetAtt' in node) return String((node['Fn::GetAtt'] as unknown[])[0]);
  if ('Fn::Join' in node) return ((node['Fn::Join'] as [string, unknown[]])[1]).map(resourceKey).join('');
  return JSON.stringify(value);
}

/** Statement actions keyed by resource, so a test can state a role's whole policy. */
function grantsOf(name: string): Record<string, string[]> {
  const byResource: Record<string, string[]> = {};
  for (const statement of policyStatementsOf(template, role(name))) {
    expect(statement.Effect).toBe('Allow');
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const resource of resources.map(resourceKey)) byResource[resource] = [...(byResource[resource] ?? []), ...actionsOf(statement)].sort();
  }
  return byResource;
}

const LOG_WRITE = ['logs:CreateLogStream', 'logs:PutLogEvents'];

describe('each function', () => {
  it.each(['Sign', 'Admin', 'OfflineImport', 'ExpiryMonitor', 'Bulk'])('%s runs on nodejs22.x with JSON logs and its own role', (name) => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: arnOf(role(name)),
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON', LogGroup: { Ref: logicalIdOf(template, 'AWS::Logs::LogGroup', `Functions${name}Logs`) } }),
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: `capf-${name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}` }) },
    });
    const roleResource = template.findResources('AWS::IAM::Role')[role(name)];
    expect(roleResource?.Properties.ManagedPolicyArns).toBeUndefined();
    expect(roleResource?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'lambda.amazonaws.com' } }),
    ]);
  });

  it('alarms on errors and throttles of every function, through the notification topic', () => {
    const topic = logicalIdOf(template, 'AWS::SNS::Topic', 'NotificationsTopic');
    for (const name of ['Sign', 'Admin', 'OfflineImport', 'ExpiryMonitor']) {
      for (const metric of ['Errors', 'Throttles']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: metric,
          Namespace: 'AWS/Lambda',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: fn(name) } }],
          Threshold: 1,
          AlarmActions: [{ Ref: topic }],
        });
      }
    }
  });
});

describe('expiry alarm', () => {
  it('alarms through the topic when the monitor counts an LSC or the CAPF CA within 7 days', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'capf',
      MetricName: 'CertificatesCritical',
      Dimensions: [{ Name: 'service', Value: 'capf-expiry-monitor' }],
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'ignore',
      AlarmActions: [{ Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'NotificationsTopic') }],
    });
  });
});

describe('least privilege per function', () => {
  it('sign: the item reads and writes of its store calls, its logs, the CA secret (read, and store the CA generated at first start); nothing else', () => {
    expect(grantsOf('Sign')).toEqual({
      [logicalIdOf(template, 'AWS::Logs::LogGroup', 'FunctionsSignLogs')]: LOG_WRITE,
      [table()]: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      [logicalIdOf(template, 'AWS::SecretsManager::Secret', 'StorageCaSecret')]: [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arnOf(role('Sign')),
      Environment: { Variables: Match.objectLike({ CAPF_ISSUER: 'capf-software', CAPF_TABLE: { Ref: table() }, CAPF_CA_SECRET_ARN: Match.anyValue() }) },
    });
  });

  it('admin: exactly the table actions its store calls use, Query on its two indexes by name, reading the auth-string key, the CA secret (F4), and nothing else', () => {
    const grants = grantsOf('Admin');
    expect(grants[table()]).toEqual(['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(grants[`${table()}/index/gsi1`]).toEqual(['dynamodb:Query']);
    expect(grants[`${table()}/index/gsi2`]).toEqual(['dynamodb:Query']);
    const logs = logicalIdOf(template, 'AWS::Logs::LogGroup', 'FunctionsAdminLogs');
    expect(grants[logs]).toEqual(LOG_WRITE);
    // Strings set through the API are stored as their keyed hash: read (never write) the key's secret.
    const authKey = logicalIdOf(template, 'AWS::SecretsManager::Secret', 'StorageAuthKeySecret');
    expect(grants[authKey]).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    // F4 with the default software CA: read the CA secret and store a new value (regenerate, import), nothing more.
    const caSecret = logicalIdOf(template, 'AWS::SecretsManager::Secret', 'StorageCaSecret');
    expect(grants[caSecret]).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']);
    // Issues 12, 13: the expiry report (certificates index), the offline CA's CSR objects (delete under csr/ only), the
    // published CRL (read that one key), a monitor run (invoke that one function).
    expect(grants[`${table()}/index/certificates-by-not-after`]).toEqual(['dynamodb:Query']);
    const bucket = logicalIdOf(template, 'AWS::S3::Bucket', 'StorageCsrBucket');
    expect(grants[`${bucket}/csr/*`]).toEqual(['s3:DeleteObject']);
    expect(grants[`${bucket}/crl/capf.crl`]).toEqual(['s3:GetObject']);
    const monitor = fn('ExpiryMonitor');
    expect(grants[monitor]).toEqual(['lambda:InvokeFunction']);
    // Issue 14: bulk jobs' one-time schedules (capf-bulk-* of the stack's group only), passing the schedules' role
    // (to the scheduler only), starting a job now (invoke the bulk function).
    const group = scheduleGroup();
    const schedules = `arn:aws:scheduler:eu-west-1:111111111111:schedule/${group}/capf-bulk-*`;
    expect(grants[schedules]).toEqual(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule']);
    const schedulesRole = logicalIdOf(template, 'AWS::IAM::Role', 'FunctionsBulkSchedulesRole');
    expect(grants[schedulesRole]).toEqual(['iam:PassRole']);
    const passRole = policyStatementsOf(template, role('Admin')).find((statement) => actionsOf(statement).includes('iam:PassRole'));
    expect(passRole?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    expect(grants[fn('Bulk')]).toEqual(['lambda:InvokeFunction']);
    expect(Object.keys(grants).sort()).toEqual(
      [logs, table(), `${table()}/index/gsi1`, `${table()}/index/gsi2`, `${table()}/index/certificates-by-not-after`, authKey, caSecret, `${bucket}/csr/*`, `${bucket}/crl/capf.crl`, monitor, schedules, schedulesRole, fn('Bulk')].sort(),
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arnOf(role('Admin')),
      Environment: {
        Variables: Match.objectLike({
          CAPF_TABLE: { Ref: table() },
          CAPF_AUTH_KEY_SECRET_ARN: { Ref: authKey },
          CAPF_ISSUER: 'capf-software',
          CAPF_CA_SECRET_ARN: { Ref: caSecret },
          CAPF_CSR_BUCKET: { Ref: bucket },
          CAPF_CRL_BUCKET: { Ref: bucket },
          CAPF_CRL_KEY: 'crl/capf.crl',
          CAPF_FUNCTION_EXPIRY_MONITOR: { Ref: monitor },
          CAPF_BULK_FUNCTION_ARN: arnOf(fn('Bulk')),
          CAPF_BULK_SCHEDULER_ROLE_ARN: arnOf(schedulesRole),
          CAPF_BULK_SCHEDULE_GROUP: group,
        }),
      },
    });
  });

  it('bulk: its job and device calls on the table and the two device indexes, reading the auth-string key, invoking itself; nothing else', () => {
    const grants = grantsOf('Bulk');
    expect(grants[table()]).toEqual(['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(grants[`${table()}/index/gsi1`]).toEqual(['dynamodb:Query']);
    expect(grants[`${table()}/index/gsi2`]).toEqual(['dynamodb:Query']);
    const logs = logicalIdOf(template, 'AWS::Logs::LogGroup', 'FunctionsBulkLogs');
    expect(grants[logs]).toEqual(LOG_WRITE);
    const authKey = logicalIdOf(template, 'AWS::SecretsManager::Secret', 'StorageAuthKeySecret');
    expect(grants[authKey]).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    // A run short of time continues in a new invocation of this function, and of no other.
    expect(grants[fn('Bulk')]).toEqual(['lambda:InvokeFunction']);
    // Failed asynchronous invocations go to its failure queue (Lambda sends them with the function's role).
    const queue = logicalIdOf(template, 'AWS::SQS::Queue', 'FunctionsBulkFailureQueue');
    expect(Object.keys(grants).sort()).toEqual([logs, table(), `${table()}/index/gsi1`, `${table()}/index/gsi2`, authKey, fn('Bulk'), queue].sort());
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arnOf(role('Bulk')),
      Timeout: 900,
      Environment: { Variables: Match.objectLike({ CAPF_TABLE: { Ref: table() }, CAPF_AUTH_KEY_SECRET_ARN: { Ref: authKey } }) },
    });
  });

  it("bulk schedules: the role the one-time schedules assume invokes the bulk function and nothing else; the group is the stack's", () => {
    const schedulesRole = logicalIdOf(template, 'AWS::IAM::Role', 'FunctionsBulkSchedulesRole');
    const statements = policyStatementsOf(template, schedulesRole);
    expect(statements).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(fn('Bulk')) })]);
    const trust = template.findResources('AWS::IAM::Role')[schedulesRole]?.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([expect.objectContaining({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } })]);
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    expect(scheduleGroup()).toMatch(/BulkSchedules/);
  });

  it('offline import: reads signed/, writes only the reports there, never touches csr/ or deletes, sends failures to its queue', () => {
    const grants = grantsOf('OfflineImport');
    const bucket = logicalIdOf(template, 'AWS::S3::Bucket', 'StorageCsrBucket');
    expect(grants[bucket]).toEqual(['s3:ListBucket']);
    expect(grants[`${bucket}/signed/*`]).toEqual(['s3:GetObject']);
    expect(grants[`${bucket}/signed/*.result.json`]).toEqual(['s3:PutObject']);
    expect(Object.keys(grants).filter((resource) => resource.startsWith(bucket))).toHaveLength(3);
    expect(Object.values(grants).flat()).not.toContain('s3:DeleteObject');
    expect(Object.keys(grants).some((resource) => resource.includes('csr/'))).toBe(false);
    const listing = policyStatementsOf(template, role('OfflineImport')).find((statement) => actionsOf(statement).includes('s3:ListBucket'));
    expect(listing?.Condition).toEqual({ StringLike: { 's3:prefix': ['signed/*'] } });
    expect(grants[logicalIdOf(template, 'AWS::SQS::Queue', 'FunctionsOfflineImportFailureQueue')]).toContain('sqs:SendMessage');
    expect(Object.values(grants).flat().some((action) => action.startsWith('secretsmanager:'))).toBe(false);
    expect(grants[table()]).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(grants[`${table()}/index/gsi1`]).toEqual(['dynamodb:Query']); // a key under another device: no Scan
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arnOf(role('OfflineImport')),
      Environment: { Variables: Match.objectLike({ CAPF_TABLE: { Ref: table() }, CAPF_CSR_BUCKET: { Ref: bucket } }) },
    });
  });

  it('expiry monitor: its table calls, Query on the certificates index by name, reads the CA secret (never writes it), PutObject on crl/capf.crl only', () => {
    const grants = grantsOf('ExpiryMonitor');
    const bucket = logicalIdOf(template, 'AWS::S3::Bucket', 'StorageCsrBucket');
    expect(grants[table()]).toEqual(['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(grants[`${table()}/index/certificates-by-not-after`]).toEqual(['dynamodb:Query']);
    expect(grants[`${bucket}/crl/capf.crl`]).toEqual(['s3:PutObject']);
    expect(Object.keys(grants).filter((resource) => resource.startsWith(bucket))).toEqual([`${bucket}/crl/capf.crl`]);
    expect(Object.values(grants).flat()).not.toContain('dynamodb:Scan');
    expect(Object.values(grants).flat()).not.toContain('dynamodb:DeleteItem');
    const caSecret = grants[logicalIdOf(template, 'AWS::SecretsManager::Secret', 'StorageCaSecret')];
    expect(caSecret).toContain('secretsmanager:GetSecretValue');
    // Least privilege: signing the CRL reads the CA key; storing a CA is the sign function's (issue access) only.
    expect(caSecret).not.toContain('secretsmanager:PutSecretValue');
    expect(grantsOf('Sign')[logicalIdOf(template, 'AWS::SecretsManager::Secret', 'StorageCaSecret')]).toContain('secretsmanager:PutSecretValue');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arnOf(role('ExpiryMonitor')),
      Timeout: 300,
      Environment: {
        Variables: Match.objectLike({
          CAPF_TABLE: { Ref: table() },
          CAPF_ISSUER: 'capf-software',
          CAPF_CA_SECRET_ARN: Match.anyValue(),
          CAPF_CRL_BUCKET: { Ref: bucket },
          CAPF_CRL_KEY: 'crl/capf.crl',
          CAPF_TOPIC_ARN: Match.anyValue(),
          CAPF_CLUSTER_NAME: 'capf-dev',
        }),
      },
    });
  });

  it('expiry monitor: publishes to the topic and sends email from the SES identity only', () => {
    const grants = grantsOf('ExpiryMonitor');
    expect(grants[logicalIdOf(template, 'AWS::SNS::Topic', 'NotificationsTopic')]).toEqual(['sns:Publish']);
    const sesEntry = Object.entries(grants).find(([resource]) => resource.includes('identity/'));
    expect(sesEntry?.[1]).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: arnOf(role('ExpiryMonitor')),
      Environment: { Variables: Match.objectLike({ CAPF_SENDER_EMAIL: 'pki-team@example.com', CAPF_EMAIL_RECIPIENTS: 'pki-team@example.com' }) },
    });
  });
});

describe('asynchronous invocation', () => {
  it('gives scheduled and bucket-triggered functions an on-failure queue, and the listener/API ones none', () => {
    for (const name of ['OfflineImport', 'ExpiryMonitor', 'Bulk']) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: fn(name) },
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: arnOf(logicalIdOf(template, 'AWS::SQS::Queue', `Functions${name}FailureQueue`)) } },
      });
    }
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 3);
    template.resourceCountIs('AWS::SQS::Queue', 3);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });
});

describe('triggers', () => {
  it('schedules the expiry monitor with EventBridge Scheduler, its failures to the queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: arnOf(fn('ExpiryMonitor')),
        DeadLetterConfig: { Arn: arnOf(logicalIdOf(template, 'AWS::SQS::Queue', 'FunctionsExpiryMonitorFailureQueue')) },
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }),
      }),
    });
  });

  it('sweeps due bulk jobs every 5 minutes with EventBridge Scheduler', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Target: Match.objectLike({ Arn: arnOf(fn('Bulk')), DeadLetterConfig: { Arn: arnOf(logicalIdOf(template, 'AWS::SQS::Queue', 'FunctionsBulkFailureQueue')) } }),
    });
  });

  it('invokes the offline import for objects created under signed/ in the CSR bucket', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: logicalIdOf(template, 'AWS::S3::Bucket', 'StorageCsrBucket') },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          Match.objectLike({
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'signed/' }] } },
            LambdaFunctionArn: arnOf(fn('OfflineImport')),
          }),
        ],
      },
    });
  });

  it('puts the admin function behind an HTTP API whose every route needs IAM authorisation, with access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.allResourcesProperties('AWS::ApiGatewayV2::Route', { AuthorizationType: 'AWS_IAM' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'ANY /{proxy+}' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('identity\\.userArn') },
    });
    template.hasOutput('AdminApiUrl', {});
  });
});
