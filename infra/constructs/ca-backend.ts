// The signer behind the sign function (F1, F2): nothing extra for the software key (it lives in the CA secret), an
// asymmetric KMS key, an AWS Private CA (created, or an existing one by ARN), or the credentials of an online
// Microsoft CA. Only the chosen backend's resources exist, and only functions that issue may use them.
import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ISSUER_BY_BACKEND, type CapfConfig } from '../config.ts';

export class CaBackend extends Construct {
  /** Environment variables that tell an issuing function which signer to use. */
  readonly environment: Record<string, string>;
  readonly kmsKey?: kms.Key;
  readonly pcaArn?: string;
  readonly onlineCaSecret?: secretsmanager.Secret;

  constructor(scope: Construct, id: string, config: CapfConfig) {
    super(scope, id);
    this.environment = { CAPF_ISSUER: ISSUER_BY_BACKEND[config.caBackend] };

    if (config.caBackend === 'kms') {
      this.kmsKey = new kms.Key(this, 'CaKey', {
        description: `capf-cloud ${config.environment}: CAPF CA signing key (the private key never leaves KMS)`,
        // RSA: every phone model verifies RSA-signed LSCs; not all of them accept an ECDSA issuer.
        keySpec: kms.KeySpec.RSA_2048,
        keyUsage: kms.KeyUsage.SIGN_VERIFY,
        alias: `capf-${config.environment}-ca`,
        pendingWindow: Duration.days(30),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.environment.CAPF_KMS_KEY_ID = this.kmsKey.keyArn;
    }

    if (config.caBackend === 'acm-pca') {
      this.pcaArn = config.pcaArn ?? this.createPrivateCa(config.environment);
      this.environment.CAPF_PCA_ARN = this.pcaArn;
    }

    if (config.caBackend === 'microsoft-ca') {
      // The admin puts the real enrolment account here; the placeholder password is random, never a default.
      this.onlineCaSecret = new secretsmanager.Secret(this, 'OnlineCaCredentials', {
        description: `capf-cloud ${config.environment}: username and password for ${config.onlineCaHost}/certsrv`,
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ username: 'set-me' }),
          generateStringKey: 'password',
        },
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(this.onlineCaSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'The enrolment password belongs to the AD domain; it is changed there and copied here by the administrator.',
      });
      this.environment.CAPF_ONLINE_CA_SECRET_ARN = this.onlineCaSecret.secretArn;
      this.environment.CAPF_ONLINE_CA_HOST = config.onlineCaHost ?? '';
    }
  }

  /** Lets `grantee` sign with this backend: only the calls the issuer makes, only on this key or CA. */
  grantIssue(grantee: iam.IGrantable): void {
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
    this.onlineCaSecret?.grantRead(grantee);
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
