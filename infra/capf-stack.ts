// The whole AWS deployment of capf-cloud (F24) as one stack of small constructs. Functions come from the registry
// (infra/functions.ts); their triggers decide what else appears: the listener's invoke permission, the admin API,
// schedules, bucket events. Adding a function therefore never reshapes this file.
import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { CapfConfig } from './config.ts';
import { AdminApi } from './constructs/admin-api.ts';
import { CaBackend } from './constructs/ca-backend.ts';
import { FunctionFleet, pascalCase } from './constructs/function-fleet.ts';
import { Listener } from './constructs/listener.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { Network } from './constructs/network.ts';
import { Notifications } from './constructs/notifications.ts';
import { Storage } from './constructs/storage.ts';
import { invokeOnUpload, ScheduledInvocation } from './constructs/triggers.ts';
import { FUNCTIONS, type FunctionSpec } from './functions.ts';

export interface CapfStackProps extends StackProps {
  config: CapfConfig;
  /** Repository root: function entries, the lock file and the listener's Docker context are relative to it. */
  repoRoot: string;
  /** The function registry; tests pass extra entries to check how future functions slot in. */
  functions?: readonly FunctionSpec[];
}

export class CapfStack extends Stack {
  readonly listener: Listener;
  readonly fleet: FunctionFleet;
  readonly adminApi?: AdminApi;

  constructor(scope: Construct, id: string, props: CapfStackProps) {
    const { config } = props;
    super(scope, id, {
      description: `capf-cloud ${config.environment}: Cisco CAPF on TCP 3804 (NLB, Fargate listener, Lambda signers, DynamoDB)`,
      terminationProtection: config.environment === 'prod',
      ...props,
    });
    Tags.of(this).add('project', 'capf-cloud');
    Tags.of(this).add('environment', config.environment);
    // CloudWatch Logs retention values are day counts, which config.ts has already checked.
    const logRetention = config.logRetentionDays as logs.RetentionDays;

    const network = new Network(this, 'Network', { logRetention });
    const storage = new Storage(this, 'Storage', { environment: config.environment });
    const notifications = new Notifications(this, 'Notifications', config);
    const caBackend = new CaBackend(this, 'CaBackend', { config, caSecret: storage.caSecret, trustSecret: storage.trustSecret, csrBucket: storage.csrBucket });
    this.fleet = new FunctionFleet(this, 'Functions', {
      specs: props.functions ?? FUNCTIONS,
      repoRoot: props.repoRoot,
      prebuiltDir: config.prebuiltFunctionsDir,
      logRetention,
      storage,
      caBackend,
      notifications,
    });

    this.listener = new Listener(this, 'Listener', {
      config,
      vpc: network.vpc,
      repoRoot: props.repoRoot,
      table: storage.table,
      tlsSecret: storage.tlsSecret,
      authKeySecret: storage.authKeySecret,
      issuer: caBackend.issuer,
      invokes: this.fleet.byTrigger('listener'),
      logRetention,
    });

    const [admin, ...extraAdmins] = this.fleet.byTrigger('admin-api');
    if (extraAdmins.length > 0) throw new Error('infra/functions.ts: only one function can serve the admin API');
    if (admin) {
      this.adminApi = new AdminApi(this, 'AdminApi', { environment: config.environment, handler: admin.function, logRetention });
      new CfnOutput(this, 'AdminApiUrl', { value: this.adminApi.url, description: 'Admin API (SigV4, execute-api:Invoke)' });
    }
    for (const fn of this.fleet.functions) {
      const { trigger } = fn.spec;
      if (trigger.kind === 'schedule') new ScheduledInvocation(this, `${pascalCase(fn.spec.id)}Schedule`, fn, trigger.expression);
      if (trigger.kind === 'bucket') invokeOnUpload(storage.csrBucket, fn, trigger.prefix);
    }

    const monitoring = new Monitoring(this, 'Monitoring', {
      environment: config.environment,
      listener: this.listener,
      functions: this.fleet.functions,
      topic: notifications.topic,
    });

    new CfnOutput(this, 'CapfEndpoint', {
      value: this.listener.loadBalancer.loadBalancerDnsName,
      description: 'Point phones here (CNAME), TCP 3804',
    });
    new CfnOutput(this, 'TlsSecretArn', { value: storage.tlsSecret.secretArn, description: 'CAPF TLS key and certificate' });
    new CfnOutput(this, 'TrustSecretArn', { value: storage.trustSecret.secretArn, description: 'CAPF-trust PEM bundle (MIC roots)' });
    new CfnOutput(this, 'AuthKeySecretArn', { value: storage.authKeySecret.secretArn, description: 'Key of the authentication strings\' keyed hash' });
    new CfnOutput(this, 'CaSecretArn', { value: storage.caSecret.secretArn, description: 'CAPF CA key and certificate' });
    new CfnOutput(this, 'TableName', { value: storage.table.tableName });
    new CfnOutput(this, 'CsrBucketName', { value: storage.csrBucket.bucketName });
    new CfnOutput(this, 'DashboardName', { value: monitoring.dashboard.dashboardName });
  }
}
