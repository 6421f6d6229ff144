// Every function of the registry, each with exactly the access its entry declares and the environment that goes
// with it (a function gets CAPF_TABLE only if it may use the table, and so on).
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionSpec } from '../functions.ts';
import { grantTable } from './table-access.ts';
import { nagArnRef } from '../nag-ids.ts';
import type { CaBackend } from './ca-backend.ts';
import { BulkSchedules } from './bulk-schedules.ts';
import { CapfFunction } from './capf-function.ts';
import { grantSecretAccess } from './secret-access.ts';
import type { Notifications } from './notifications.ts';
import type { Storage } from './storage.ts';

export interface FunctionFleetProps {
  specs: readonly FunctionSpec[];
  repoRoot: string;
  prebuiltDir?: string;
  logRetention: logs.RetentionDays;
  storage: Storage;
  caBackend: CaBackend;
  notifications: Notifications;
}

export class FunctionFleet extends Construct {
  readonly functions: CapfFunction[] = [];
  /** The bulk jobs' schedule group and role, when a function schedules bulk jobs. */
  readonly bulkSchedules?: BulkSchedules;

  constructor(scope: Construct, id: string, props: FunctionFleetProps) {
    super(scope, id);
    const ids = new Set<string>();
    for (const spec of props.specs) {
      if (!/^[a-z][a-z0-9-]*$/.test(spec.id) || ids.has(spec.id)) {
        throw new Error(`infra/functions.ts: function id "${spec.id}" must be unique, lowercase letters, digits or dashes`);
      }
      ids.add(spec.id);
      const fn = new CapfFunction(this, pascalCase(spec.id), {
        spec,
        repoRoot: props.repoRoot,
        prebuiltDir: props.prebuiltDir,
        logRetention: props.logRetention,
        alarmTopic: props.notifications.topic,
      });
      grantAccess(fn, props);
      this.functions.push(fn);
    }
    for (const fn of this.functions) grantInvokes(fn, this.functions);
    const schedulers = this.functions.filter((fn) => fn.spec.access.bulkSchedules);
    if (schedulers.length > 0) {
      const bulk = this.functions.find((fn) => fn.spec.id === 'bulk');
      if (!bulk) throw new Error('infra/functions.ts: a function has bulkSchedules, but there is no "bulk" function to schedule');
      this.bulkSchedules = new BulkSchedules(this, 'BulkSchedules', bulk);
      for (const fn of schedulers) this.bulkSchedules.grantScheduling(fn);
    }
  }

  byTrigger(kind: FunctionSpec['trigger']['kind']): CapfFunction[] {
    return this.functions.filter((fn) => fn.spec.trigger.kind === kind);
  }
}

function grantAccess(fn: CapfFunction, props: FunctionFleetProps): void {
  const { access } = fn.spec;
  const { storage } = props;
  const env = (vars: Record<string, string>) => {
    for (const [name, value] of Object.entries(vars)) fn.function.addEnvironment(name, value);
  };

  if (access.table) {
    grantTable(storage.table, fn.role, access.table, access.tableIndexes);
    env({ CAPF_TABLE: storage.table.tableName });
  }
  if (access.issue) {
    props.caBackend.grantIssue(fn.role);
    env(props.caBackend.environment);
  }
  if (access.crlSigning) env(props.caBackend.grantCrlSigning(fn.role));
  if (access.capfCa) env(props.caBackend.grantCaCustody(fn.role));
  if (access.caSecret) {
    grantSecretAccess(storage.caSecret, fn.role, access.caSecret);
    env({ CAPF_CA_SECRET_ARN: storage.caSecret.secretArn });
  }
  if (access.authKeySecret) {
    storage.authKeySecret.grantRead(fn.role);
    env({ CAPF_AUTH_KEY_SECRET_ARN: storage.authKeySecret.secretArn });
  }
  if (access.tlsSecret) {
    grantSecretAccess(storage.tlsSecret, fn.role, access.tlsSecret);
    env({ CAPF_TLS_SECRET_ARN: storage.tlsSecret.secretArn });
  }
  if (access.bucket === 'import') {
    const bucket = storage.csrBucket;
    // The import reads uploads and writes its reports under signed/; listing is limited to that prefix (a missing
    // object is then NoSuchKey, not AccessDenied). Nothing under csr/, and no delete anywhere.
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': ['signed/*'] } } }),
    );
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('signed/*')] }));
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects('signed/*.result.json')] }));
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArnRef(bucket)}/signed/*]`,
      reason: 'Uploads under signed/ are named by the administrator; the import reads only that prefix.',
    });
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArnRef(bucket)}/signed/*.result.json]`,
      reason: 'Reports are named after each upload; the import writes only *.result.json under signed/.',
    });
    env({ CAPF_CSR_BUCKET: bucket.bucketName });
  } else if (access.bucket) {
    // Named actions instead of grantRead's `s3:GetObject*`/`s3:List*` families.
    const bucket = storage.csrBucket;
    const objectActions = access.bucket === 'readWrite' ? ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'] : ['s3:GetObject'];
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: objectActions, resources: [bucket.arnForObjects('*')] }));
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArnRef(bucket)}/*]`,
      reason: 'CSR and certificate objects are named per device and request at run time; access stays inside the CSR bucket.',
    });
    env({ CAPF_CSR_BUCKET: bucket.bucketName });
  }
  if (access.crl) {
    const key = 'crl/capf.crl';
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [storage.csrBucket.arnForObjects(key)] }));
    env({ CAPF_CRL_BUCKET: storage.csrBucket.bucketName, CAPF_CRL_KEY: key });
  }
  if (access.crlRead) {
    const key = 'crl/capf.crl';
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [storage.csrBucket.arnForObjects(key)] }));
    env({ CAPF_CRL_BUCKET: storage.csrBucket.bucketName, CAPF_CRL_KEY: key });
  }
  if (access.csrDelete) {
    const bucket = storage.csrBucket;
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [bucket.arnForObjects('csr/*')] }));
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArnRef(bucket)}/csr/*]`,
      reason: 'CSR objects are named per device and request at run time; an administrator deleting a pending CSR removes its object, nothing outside csr/.',
    });
    env({ CAPF_CSR_BUCKET: bucket.bucketName });
  }
  if (access.invokesSelf) {
    // A policy of its own: in the role's default policy the statement would make the function depend on itself.
    new iam.Policy(fn, 'InvokeSelf', { roles: [fn.role], statements: [new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.function.functionArn] })] });
  }
  if (access.notify) {
    props.notifications.grantNotify(fn.role);
    env(props.notifications.environment);
  }
}

/** lambda:InvokeFunction on exactly the functions the spec names (their ARNs, no version wildcard), and their names. */
function grantInvokes(fn: CapfFunction, all: readonly CapfFunction[]): void {
  for (const id of fn.spec.access.invokes ?? []) {
    const target = all.find((other) => other.spec.id === id);
    if (!target) throw new Error(`infra/functions.ts: "${fn.spec.id}" invokes "${id}", which is not in the registry`);
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [target.function.functionArn] }));
    fn.function.addEnvironment(`CAPF_FUNCTION_${id.toUpperCase().replace(/-/g, '_')}`, target.function.functionName);
  }
}

export function pascalCase(id: string): string {
  return id
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
