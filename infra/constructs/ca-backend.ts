// The signer behind the sign function (F1, F2): the software key (generated at first start into the CA secret), an
// asymmetric KMS key (its CA certificate goes to the CA secret), an AWS Private CA (created, or an existing one by
// ARN), or an online Microsoft CA (its settings and credentials in a secret of their own). Only the chosen backend's
// resources exist, and only functions that issue may use them.
import { Aws, Duration, RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { CapfConfig, IssuerKind } from '../config.ts';
import { grantSecretAccess } from './secret-access.ts';

export interface CaBackendProps {
  config: CapfConfig;
  /** The CAPF CA secret: key and certificate (software), or the certificate of the KMS key. */
  caSecret: secretsmanager.ISecret;
  /** CAPF-trust: with the online CA, the site's HTTPS certificate may chain to a CA uploaded there (F2). */
  trustSecret: secretsmanager.ISecret;
  /** The CSR bucket: the offline CA writes the phones' CSRs under csr/ (F3). */
  csrBucket?: s3.IBucket;
}

export class CaBackend extends Construct {
  /** CAPF_ISSUER: the sign function picks its issuer by it, the listener whether to ask phones for a CSR. */
  readonly issuer: IssuerKind;
  /** Environment variables that tell an issuing function which signer to use (CAPF_ISSUER included). */
  readonly environment: Record<string, string>;
  readonly kmsKey?: kms.Key;
  readonly pcaArn?: string;
  readonly onlineCaSecret?: secretsmanager.Secret;
  /** Set when the backend keeps CA material in the CA secret (written once, at first start). */
  private readonly caSecret?: secretsmanager.ISecret;
  /** Set with the online CA: read for the CAs that may sign the site's HTTPS certificate. */
  private readonly trustSecret?: secretsmanager.ISecret;
  /** Set with the offline CA: the sign function writes CSRs under csr/, nothing else. */
  private csrBucket?: s3.IBucket;

  constructor(scope: Construct, id: string, props: CaBackendProps) {
    super(scope, id);
    const { config } = props;
    this.issuer = config.issuer;
    this.environment = { CAPF_ISSUER: this.issuer };

    if (config.issuer === 'capf-software') {
      this.caSecret = props.caSecret;
      this.environment.CAPF_CA_SECRET_ARN = props.caSecret.secretArn;
    }

    if (config.issuer === 'capf-kms') {
      this.kmsKey = new kms.Key(this, 'CaKey', {
        description: `capf-cloud ${config.environment}: CAPF CA signing key (the private key never leaves KMS)`,
        // RSA 2048, the key type of CUCM's own CAPF CA, which every phone model already accepts as an LSC issuer.
        keySpec: kms.KeySpec.RSA_2048,
        keyUsage: kms.KeyUsage.SIGN_VERIFY,
        alias: `capf-${config.environment}-ca`,
        pendingWindow: Duration.days(30),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.caSecret = props.caSecret;
      this.environment.CAPF_KMS_KEY_ID = this.kmsKey.keyArn;
      this.environment.CAPF_CA_CERT_SECRET_ARN = props.caSecret.secretArn;
    }

    if (config.issuer === 'acm-pca') {
      this.pcaArn = config.pcaArn ?? this.createPrivateCa(config.environment);
      this.environment.CAPF_PCA_ARN = this.pcaArn;
    }

    if (config.issuer === 'microsoft-ca') {
      // Seeded with the non-secret settings only; the administrator adds template, username, password and the
      // CA chain that signs the site's HTTPS certificate. Until then the sign function refuses with a clear reason.
      this.onlineCaSecret = new secretsmanager.Secret(this, 'OnlineCaSettings', {
        description: `capf-cloud ${config.environment}: settings and enrolment account for https://${config.onlineCaHost}/certsrv`,
        secretStringValue: SecretValue.unsafePlainText(JSON.stringify({ host: config.onlineCaHost, port: 443, auth: 'ntlm' })),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(this.onlineCaSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'The enrolment password belongs to the AD domain; it is changed there and copied here by the administrator.',
      });
      this.environment.CAPF_ONLINE_CA_SECRET_ARN = this.onlineCaSecret.secretArn;
      this.trustSecret = props.trustSecret;
      this.environment.CAPF_TRUST_SECRET_ARN = props.trustSecret.secretArn;
    }

    if (config.issuer === 'offline') this.offline(props);
  }

  private offline(props: CaBackendProps): void {
    if (!props.csrBucket) throw new Error('issuer=offline needs the CSR bucket');
    this.csrBucket = props.csrBucket;
    this.environment.CAPF_CSR_BUCKET = props.csrBucket.bucketName;
  }

  /** Lets `grantee` sign with this backend: only the calls the issuer makes, only on this key or CA. */
  grantIssue(grantee: iam.IGrantable): void {
    if (this.caSecret) grantSecretAccess(this.caSecret, grantee, 'readWrite');
    if (this.kmsKey) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['kms:Sign', 'kms:GetPublicKey'], resources: [this.kmsKey.keyArn] }),
      );
    }
    if (this.pcaArn) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['acm-pca:IssueCertificate', 'acm-pca:GetCertificate'], resources: [this.pcaArn] }),
      );
    }
    if (this.onlineCaSecret) grantSecretAccess(this.onlineCaSecret, grantee, 'read');
    if (this.trustSecret) grantSecretAccess(this.trustSecret, grantee, 'read');
    if (this.csrBucket) {
      grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.csrBucket.arnForObjects('csr/*')] }));
    }
  }

  /**
   * What signing the CAPF CA's CRL needs, nothing more (the expiry monitor): read the CA secret (software key), or
   * kms:Sign and kms:GetPublicKey on the CA key plus read its certificate. No secret writes, no Private CA, no online
   * CA, no CSR bucket: the CRL of another issuer's CA is that CA's business. Returns the environment that goes with it
   * (empty when the backend has no CAPF CA key to sign with).
   */
  grantCrlSigning(grantee: iam.IGrantable): Record<string, string> {
    if (this.issuer !== 'capf-software' && this.issuer !== 'capf-kms') return {};
    if (this.caSecret) grantSecretAccess(this.caSecret, grantee, 'read');
    if (this.kmsKey) {
      grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:Sign', 'kms:GetPublicKey'], resources: [this.kmsKey.keyArn] }));
    }
    const { CAPF_ISSUER, CAPF_CA_SECRET_ARN, CAPF_KMS_KEY_ID, CAPF_CA_CERT_SECRET_ARN } = this.environment;
    return Object.fromEntries(Object.entries({ CAPF_ISSUER, CAPF_CA_SECRET_ARN, CAPF_KMS_KEY_ID, CAPF_CA_CERT_SECRET_ARN }).filter((entry): entry is [string, string] => entry[1] !== undefined));
  }

  /**
   * Lets `grantee` administer the CAPF CA (F4, the admin function): with the software backend read the CA secret and
   * store a new value (regenerate, import); with a KMS key read its certificate only (the key cannot be replaced
   * there); nothing with an issuer that has no CAPF CA. Returns the environment that goes with it.
   */
  grantCaCustody(grantee: iam.IGrantable): Record<string, string> {
    if (!this.caSecret || (this.issuer !== 'capf-software' && this.issuer !== 'capf-kms')) return { CAPF_ISSUER: this.issuer };
    grantSecretAccess(this.caSecret, grantee, this.issuer === 'capf-software' ? 'readWrite' : 'read');
    const variable = this.issuer === 'capf-software' ? 'CAPF_CA_SECRET_ARN' : 'CAPF_CA_CERT_SECRET_ARN';
    return { CAPF_ISSUER: this.issuer, [variable]: this.caSecret.secretArn };
  }

  /** A root CA, self-signed and activated in the same deployment. */
  private createPrivateCa(environment: string): string {
    const ca = new acmpca.CfnCertificateAuthority(this, 'PrivateCa', {
      type: 'ROOT',
      keyAlgorithm: 'RSA_2048',
      signingAlgorithm: 'SHA256WITHRSA',
      subject: { commonName: `CAPF-${environment}`, organization: 'capf-cloud' },
      usageMode: 'GENERAL_PURPOSE',
    });
    ca.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const rootCertificate = new acmpca.CfnCertificate(this, 'PrivateCaCertificate', {
      certificateAuthorityArn: ca.attrArn,
      certificateSigningRequest: ca.attrCertificateSigningRequest,
      signingAlgorithm: 'SHA256WITHRSA',
      templateArn: `arn:${Aws.PARTITION}:acm-pca:::template/RootCACertificate/V1`,
      validity: { type: 'YEARS', value: 10 },
    });
    new acmpca.CfnCertificateAuthorityActivation(this, 'PrivateCaActivation', {
      certificateAuthorityArn: ca.attrArn,
      certificate: rootCertificate.attrCertificate,
      status: 'ACTIVE',
    });
    return ca.attrArn;
  }
}
