// Data at rest: the single store table, the CSR bucket (offline CA exchange) and the two PEM secrets. Everything
// here is kept when the stack is deleted: losing the table or the CA key would orphan every phone's LSC.
import { Duration, RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** The table's global secondary indexes: `<name>pk` / `<name>sk` each (shared/store/dynamo-table.ts lays them out). */
export const TABLE_INDEXES = ['gsi1', 'gsi2'] as const;

/** The certificates-by-expiry index (infra imports no runtime code: the names are repeated here). */
export const CERTIFICATES_INDEX = { indexName: 'certificates-by-not-after', partitionKey: 'state', sortKey: 'certNotAfter' } as const;

export interface StorageProps {
  environment: string;
}

export class Storage extends Construct {
  /** Single-table store: partition key `pk`, sort key `sk`. */
  readonly table: dynamodb.Table;
  readonly csrBucket: s3.Bucket;
  /** The CAPF CA key and certificate (PEM) for the software backend, and the CA certificate for the others. */
  readonly caSecret: secretsmanager.Secret;
  /** The CAPF TLS service key and certificate (F4) every listener task presents on 3804. */
  readonly tlsSecret: secretsmanager.Secret;
  /** CAPF-trust beyond the CAPF certificate: a PEM bundle (Cisco MIC roots) for "by existing certificate" (F6, F8). */
  readonly trustSecret: secretsmanager.Secret;
  /** The key authentication strings are stored under (HMAC-SHA-256): generated here, read by the listener and admin paths. */
  readonly authKeySecret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Certificates by state and expiry (issue 10): only issuance records holding a certificate carry `certNotAfter`, so
    // the index is sparse. The same index as shared/store/dynamo-table.ts creates locally (a unit test keeps them equal).
    this.table.addGlobalSecondaryIndex({
      indexName: CERTIFICATES_INDEX.indexName,
      partitionKey: { name: CERTIFICATES_INDEX.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: CERTIFICATES_INDEX.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // The overloaded indexes of shared/store/dynamo-table.ts (TABLE_INDEXES; test/unit/infra checks both agree): gsi1
    // devices by status and audit events by device, gsi2 devices by name. Listing never scans the table.
    for (const index of TABLE_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index,
        partitionKey: { name: `${index}pk`, type: dynamodb.AttributeType.STRING },
        sortKey: { name: `${index}sk`, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }

    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.csrBucket = new s3.Bucket(this, 'CsrBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'csr-bucket/',
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // An overwritten or deleted CSR or certificate stays recoverable for a quarter, then goes.
        { noncurrentVersionExpiration: Duration.days(90) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // All start as `{}`, the placeholder the runtime recognises: the sign function stores the CA it generates at first
    // start, the first listener task the CAPF TLS certificate; an administrator may store their own, and the MIC roots
    // in the trust secret. Private keys never pass through CloudFormation.
    const placeholder = SecretValue.unsafePlainText('{}');
    this.caSecret = new secretsmanager.Secret(this, 'CaSecret', {
      description: `capf-cloud ${props.environment}: CAPF CA {certificatePem, privateKeyPem}, or {certificatePem} with a KMS key`,
      secretStringValue: placeholder,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.tlsSecret = new secretsmanager.Secret(this, 'TlsSecret', {
      description: `capf-cloud ${props.environment}: CAPF TLS {certificatePem, privateKeyPem} presented on TCP 3804`,
      secretStringValue: placeholder,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.trustSecret = new secretsmanager.Secret(this, 'TrustSecret', {
      description: `capf-cloud ${props.environment}: CAPF-trust PEM bundle (Cisco MIC roots) for certificate authentication`,
      secretStringValue: placeholder,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // 64 random letters and digits, made by Secrets Manager at creation: the value never passes through CloudFormation.
    this.authKeySecret = new secretsmanager.Secret(this, 'AuthKeySecret', {
      description: `capf-cloud ${props.environment}: key for the keyed hash (HMAC-SHA-256) of authentication strings`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.authKeySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'Every stored authentication string is a hash under this key: a rotation would void them all, so it is not rotated on a timer.',
    });
    for (const secret of [this.caSecret, this.tlsSecret, this.trustSecret]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'A CA or CAPF certificate cannot rotate on a timer: phones trust it through the CTL, so it is replaced ' +
          'by an administrator (README, "Rotate the CAPF certificate").',
      });
    }
  }
}
