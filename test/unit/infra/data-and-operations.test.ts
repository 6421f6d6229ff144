// Data at rest (table, CSR bucket, secrets), notifications and the dashboard, on the stack as the registry defines
// it today (the sign function only).
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCapf, logicalIdOf } from './support.ts';
import { BULK_METRICS } from '../../../functions/bulk/bulk-function.ts';
import { CERTIFICATES_INDEX, TABLE_INDEXES as INFRA_INDEXES } from '../../../infra/constructs/storage.ts';
import { CERTIFICATES_BY_NOT_AFTER, TABLE_INDEXES } from '../../../shared/store/dynamo-table.ts';

let template: Template;
let cleanup: () => void;

const TAGGED_TYPES = [
  'AWS::DynamoDB::Table',
  'AWS::S3::Bucket',
  'AWS::SecretsManager::Secret',
  'AWS::EC2::VPC',
  'AWS::EC2::Subnet',
  'AWS::EC2::SecurityGroup',
  'AWS::ECS::Cluster',
  'AWS::ECS::TaskDefinition',
  'AWS::ECS::Service',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::Logs::LogGroup',
  'AWS::SNS::Topic',
  'AWS::CloudWatch::Alarm',
];

beforeAll(() => {
  ({ template, cleanup } = buildCapf());
});
afterAll(() => cleanup());

describe('store table', () => {
  it('is one pk/sk table, on demand, encrypted, with PITR and deletion protection', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
    });
  });

  it('has the certificates-by-notAfter index the store queries, with the same names as the local table', () => {
    expect(CERTIFICATES_INDEX).toEqual(CERTIFICATES_BY_NOT_AFTER);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: CERTIFICATES_BY_NOT_AFTER.indexName,
          KeySchema: [
            { AttributeName: 'state', KeyType: 'HASH' },
            { AttributeName: 'certNotAfter', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ]),
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'state', AttributeType: 'S' },
        { AttributeName: 'certNotAfter', AttributeType: 'S' },
      ]),
    });
  });

  it('has the indexes of shared/store/dynamo-table.ts: devices by status and name, audit events by device', () => {
    const indexes = TABLE_INDEXES.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.pk, KeyType: 'HASH' },
        { AttributeName: index.sk, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    }));
    expect(INFRA_INDEXES).toEqual(TABLE_INDEXES.map((index) => index.name));
    template.hasResourceProperties('AWS::DynamoDB::Table', { GlobalSecondaryIndexes: Match.arrayWith(indexes) });
  });
});

describe('CSR bucket', () => {
  it('blocks public access, encrypts, versions, expires old versions and logs access', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: {
          Rules: [
            Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
            Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 90 }, Status: 'Enabled' }),
          ],
        },
        LoggingConfiguration: { DestinationBucketName: { Ref: logicalIdOf(template, 'AWS::S3::Bucket', 'StorageAccessLogs') }, LogFilePrefix: 'csr-bucket/' },
      },
    });
  });

  it('refuses requests without TLS (both buckets)', () => {
    for (const bucket of ['StorageCsrBucket', 'StorageAccessLogs']) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalIdOf(template, 'AWS::S3::Bucket', bucket) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });
});

describe('secrets and CA backend', () => {
  it('keeps the CA, TLS and CAPF-trust PEM bundles in three retained secrets that start as the `{}` placeholder', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 4); // and the generated authentication string key
    for (const secret of ['StorageCaSecret', 'StorageTlsSecret', 'StorageTrustSecret']) {
      const resource = template.findResources('AWS::SecretsManager::Secret')[logicalIdOf(template, 'AWS::SecretsManager::Secret', secret)];
      expect(resource?.DeletionPolicy).toBe('Retain');
      expect(resource?.Properties.SecretString).toBe('{}');
      expect(resource?.Properties.GenerateSecretString).toBeUndefined();
    }
    const authKey = template.findResources('AWS::SecretsManager::Secret')[logicalIdOf(template, 'AWS::SecretsManager::Secret', 'StorageAuthKeySecret')];
    expect(authKey?.DeletionPolicy).toBe('Retain');
    expect(authKey?.Properties.SecretString).toBeUndefined();
  });

  it('creates no KMS key and no private CA for the software backend', () => {
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.resourceCountIs('AWS::ACMPCA::CertificateAuthority', 0);
  });
});

describe('the registry as it stands', () => {
  it('deploys the sign, offline import, admin, expiry monitor and bulk functions, the import on the CSR bucket\'s events, the admin API, the monitor\'s hourly schedule, the bulk sweep', () => {
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => id.startsWith('Functions'))).toEqual([
      logicalIdOf(template, 'AWS::Lambda::Function', 'FunctionsSignFunction'),
      logicalIdOf(template, 'AWS::Lambda::Function', 'FunctionsOfflineImportFunction'),
      logicalIdOf(template, 'AWS::Lambda::Function', 'FunctionsAdminFunction'),
      logicalIdOf(template, 'AWS::Lambda::Function', 'FunctionsExpiryMonitorFunction'),
      logicalIdOf(template, 'AWS::Lambda::Function', 'FunctionsBulkFunction'),
    ]);
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::Scheduler::Schedule', 2);
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(1 hour)' });
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(5 minutes)' });
    template.resourceCountIs('Custom::S3BucketNotifications', 1);
  });
});

describe('notifications', () => {
  it('has one TLS-only topic with an email subscription per recipient, and the SES sender identity', () => {
    const topic = logicalIdOf(template, 'AWS::SNS::Topic', 'NotificationsTopic');
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'pki-team@example.com', TopicArn: { Ref: topic } });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'pki-team@example.com' });
  });
});

describe('operations', () => {
  const dashboardBody = () => JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody);

  it('has a dashboard with sessions, issuances, failures by reason, sign latency and certificates expiring', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'capf-dev' });
    const body = dashboardBody();
    for (const title of ['Sessions', 'Issuances', 'Failures by reason', 'Sign latency (ms)', 'Certificates expiring']) expect(body).toContain(title);
    // The expiry monitor's counts: every bucket (>30 days included) and every certificate by state.
    for (const name of ['CertificatesWithin1Day', 'CertificatesWithin7Days', 'CertificatesWithin30Days', 'CertificatesBeyond30Days']) expect(body).toContain(`MetricName=\\\\\\"${name}\\\\\\"`);
    expect(body).toContain('{capf,service,state} MetricName=\\\\\\"Certificates\\\\\\"');
    // The names and dimensions the sign function publishes (functions/sign/handler.ts, namespace capf).
    expect(body).toContain('{capf,code,service} MetricName=\\\\\\"Refusals\\\\\\"');
    expect(body).toContain('MetricName=\\\\\\"Issuances\\\\\\"');
    expect(body).toContain('{capf,reason,service} MetricName=\\\\\\"SessionFailures\\\\\\"');
    expect(body).toContain('\\"Duration\\"');
  });

  it('graphs the bulk jobs with the names the bulk function publishes', () => {
    const body = dashboardBody();
    expect(body).toContain('Bulk jobs');
    for (const name of Object.values(BULK_METRICS)) expect(body).toContain(`MetricName=\\\\\\"${name}\\\\\\"`);
  });

  it('queries logs by device name and session id', () => {
    expect(dashboardBody()).toContain('coalesce(deviceName, device) as device, sessionId');
  });

  it('alarms when no listener task is healthy', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'HealthyHostCount',
      Namespace: 'AWS/NetworkELB',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'NotificationsTopic') }],
    });
  });

  it('outputs the endpoint phones use and the secrets an administrator rotates', () => {
    template.hasOutput('CapfEndpoint', { Value: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'Listener'), 'DNSName'] } });
    template.hasOutput('TlsSecretArn', {});
    template.hasOutput('CaSecretArn', {});
  });

  it('tags the data, network, listener, function and monitoring resources with the project and environment', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { Tags: Match.arrayWith([{ Key: 'environment', Value: 'dev' }, { Key: 'project', Value: 'capf-cloud' }]) });
    const tags = expect.arrayContaining([
      { Key: 'environment', Value: 'dev' },
      { Key: 'project', Value: 'capf-cloud' },
    ]);
    // Every resource of these types; the VPC default-security-group custom resource's own Lambda and role are raw
    // CloudFormation resources that tagging does not reach, so functions and roles are checked by name.
    for (const type of TAGGED_TYPES) {
      const resources = Object.entries(template.findResources(type));
      expect(resources.length, type).toBeGreaterThan(0);
      for (const [id, resource] of resources) expect({ id, tags: resource.Properties.Tags }).toEqual({ id, tags });
    }
    for (const [type, prefix] of [
      ['AWS::Lambda::Function', 'FunctionsSignFunction'],
      ['AWS::IAM::Role', 'FunctionsSignRole'],
      ['AWS::IAM::Role', 'ListenerTaskTaskRole'],
    ] as const) {
      const id = logicalIdOf(template, type, prefix);
      expect({ id, tags: template.findResources(type)[id]?.Properties.Tags }).toEqual({ id, tags });
    }
  });
});
