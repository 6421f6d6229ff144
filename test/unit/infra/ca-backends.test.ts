// The chosen CA backend decides what exists and what the sign function may call: the KMS key or the private CA
// only when chosen, and then only the issuer's own calls on that one key or CA.
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, buildCapf, logicalIdOf, policyStatementsOf } from './support.ts';

const EXISTING_PCA = 'arn:aws:acm-pca:eu-west-1:111111111111:certificate-authority/0f9e4a51-6a3e-4b7b-9d8c-2c1b3a4d5e6f';

const stacks: Record<string, Template> = {};
const cleanups: (() => void)[] = [];

beforeAll(() => {
  const variants: Record<string, Record<string, unknown>> = {
    kms: { issuer: 'capf-kms' },
    'acm-pca': { issuer: 'acm-pca' },
    'acm-pca existing': { issuer: 'acm-pca', pcaArn: EXISTING_PCA },
    'microsoft-ca': { issuer: 'microsoft-ca', onlineCaHost: 'ca.corp.example.com' },
  };
  for (const [name, context] of Object.entries(variants)) {
    const built = buildCapf({ context });
    stacks[name] = built.template;
    cleanups.push(built.cleanup);
  }
});
afterAll(() => cleanups.forEach((cleanup) => cleanup()));

function signStatements(template: Template) {
  return policyStatementsOf(template, logicalIdOf(template, 'AWS::IAM::Role', 'FunctionsSignRole'));
}

function signEnvironment(template: Template): Record<string, unknown> {
  const id = logicalIdOf(template, 'AWS::Lambda::Function', 'FunctionsSignFunction');
  return template.findResources('AWS::Lambda::Function')[id]?.Properties.Environment.Variables;
}

/** The sign role's statements beyond its own logs and the table. */
function issuerStatements(template: Template) {
  return beyondLogsAndTable(signStatements(template));
}

/** The expiry monitor's statements beyond logs, table, topic, SES, its failure queue and the CRL object. */
function monitorCaStatements(template: Template) {
  return beyondLogsAndTable(policyStatementsOf(template, logicalIdOf(template, 'AWS::IAM::Role', 'FunctionsExpiryMonitorRole'))).filter(
    (statement) => !actionsOf(statement).some((action) => /^(sns|ses|sqs):/.test(action)) && !JSON.stringify(statement.Resource).includes('/crl/capf.crl'),
  );
}

/** The admin function's statements and environment about the CAPF CA (F4). */
function adminCa(template: Template): { statements: ReturnType<typeof signStatements>; environment: Record<string, unknown> } {
  const statements = policyStatementsOf(template, logicalIdOf(template, 'AWS::IAM::Role', 'FunctionsAdminRole')).filter((statement) =>
    JSON.stringify(statement.Resource).includes('StorageCaSecret'),
  );
  const id = logicalIdOf(template, 'AWS::Lambda::Function', 'FunctionsAdminFunction');
  return { statements, environment: template.findResources('AWS::Lambda::Function')[id]?.Properties.Environment.Variables };
}

function monitorEnvironment(template: Template): Record<string, unknown> {
  const id = logicalIdOf(template, 'AWS::Lambda::Function', 'FunctionsExpiryMonitorFunction');
  return template.findResources('AWS::Lambda::Function')[id]?.Properties.Environment.Variables;
}

function beyondLogsAndTable(statements: ReturnType<typeof signStatements>) {
  return statements.filter((statement) => !actionsOf(statement).some((action) => /^(logs|dynamodb):/.test(action)));
}

const SECRET_READ = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'];

/** Read the CA secret and store its first value (the CA certificate the KMS key gets at first start). */
function caSecretFirstStart(template: Template) {
  const caSecret = { Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret', 'StorageCaSecret') };
  return [
    { Effect: 'Allow', Action: SECRET_READ, Resource: caSecret },
    { Effect: 'Allow', Action: 'secretsmanager:PutSecretValue', Resource: caSecret },
  ];
}

describe('kms backend', () => {
  it('creates an RSA signing key kept on stack deletion', () => {
    const template = stacks.kms as Template;
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      Properties: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', PendingWindowInDays: 30 },
    });
    template.resourceCountIs('AWS::ACMPCA::CertificateAuthority', 0);
  });

  it('lets the sign function call kms:Sign and kms:GetPublicKey on that key only', () => {
    const template = stacks.kms as Template;
    const key = logicalIdOf(template, 'AWS::KMS::Key', 'CaBackendCaKey');
    expect(issuerStatements(template)).toEqual([
      ...caSecretFirstStart(template),
      { Effect: 'Allow', Action: ['kms:GetPublicKey', 'kms:Sign'], Resource: { 'Fn::GetAtt': [key, 'Arn'] } },
    ]);
    expect(signEnvironment(template)).toMatchObject({
      CAPF_ISSUER: 'capf-kms',
      CAPF_KMS_KEY_ID: { 'Fn::GetAtt': [key, 'Arn'] },
      CAPF_CA_CERT_SECRET_ARN: { Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret', 'StorageCaSecret') },
    });
  });

  it('lets the expiry monitor sign its CRL with that key and read the certificate, without storing a CA', () => {
    const template = stacks.kms as Template;
    const key = logicalIdOf(template, 'AWS::KMS::Key', 'CaBackendCaKey');
    const caSecret = { Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret', 'StorageCaSecret') };
    expect(monitorCaStatements(template)).toEqual([
      { Effect: 'Allow', Action: SECRET_READ, Resource: caSecret },
      { Effect: 'Allow', Action: ['kms:GetPublicKey', 'kms:Sign'], Resource: { 'Fn::GetAtt': [key, 'Arn'] } },
    ]);
    expect(monitorEnvironment(template)).toMatchObject({ CAPF_ISSUER: 'capf-kms', CAPF_KMS_KEY_ID: { 'Fn::GetAtt': [key, 'Arn'] }, CAPF_CA_CERT_SECRET_ARN: caSecret });
  });
});

describe('the admin function and the CAPF CA (F4)', () => {
  it('capf-kms: reads the certificate of the KMS key, never stores a value, no KMS access', () => {
    const template = stacks.kms as Template;
    const caSecret = { Ref: logicalIdOf(template, 'AWS::SecretsManager::Secret', 'StorageCaSecret') };
    const { statements, environment } = adminCa(template);
    // (CDK merges it with the auth-key secret's read into one statement.)
    expect(statements.map((statement) => actionsOf(statement))).toEqual([SECRET_READ]);
    expect(environment).toMatchObject({ CAPF_ISSUER: 'capf-kms', CAPF_CA_CERT_SECRET_ARN: caSecret });
    expect(environment).not.toHaveProperty('CAPF_CA_SECRET_ARN');
    expect(JSON.stringify(policyStatementsOf(template, logicalIdOf(template, 'AWS::IAM::Role', 'FunctionsAdminRole')))).not.toContain('kms:');
  });

  it('an issuer without a CAPF CA (acm-pca, microsoft-ca): no CA secret access, only the issuer named', () => {
    for (const name of ['acm-pca', 'microsoft-ca']) {
      const { statements, environment } = adminCa(stacks[name] as Template);
      expect(statements).toEqual([]);
      expect(environment).toMatchObject({ CAPF_ISSUER: name });
      expect(environment).not.toHaveProperty('CAPF_CA_SECRET_ARN');
    }
  });
});

describe('acm-pca backend', () => {
  it('creates, self-signs and activates a root CA when no ARN is given', () => {
    const template = stacks['acm-pca'] as Template;
    template.hasResource('AWS::ACMPCA::CertificateAuthority', {
      DeletionPolicy: 'Retain',
      Properties: { Type: 'ROOT', KeyAlgorithm: 'RSA_2048', SigningAlgorithm: 'SHA256WITHRSA', Subject: { CommonName: 'CAPF-dev', Organization: 'capf-cloud' } },
    });
    template.hasResourceProperties('AWS::ACMPCA::CertificateAuthorityActivation', { Status: 'ACTIVE' });
    template.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('lets the sign function issue and fetch certificates on that CA only', () => {
    const template = stacks['acm-pca'] as Template;
    const ca = logicalIdOf(template, 'AWS::ACMPCA::CertificateAuthority', 'CaBackendPrivateCa');
    // The private CA holds its own key: the sign function gets no access to the CA secret at all.
    expect(issuerStatements(template)).toEqual([
      { Effect: 'Allow', Action: ['acm-pca:GetCertificate', 'acm-pca:IssueCertificate'], Resource: { 'Fn::GetAtt': [ca, 'Arn'] } },
    ]);
    expect(signEnvironment(template)).toMatchObject({ CAPF_ISSUER: 'acm-pca', CAPF_PCA_ARN: { 'Fn::GetAtt': [ca, 'Arn'] } });
    expect(signEnvironment(template)).not.toHaveProperty('CAPF_CA_SECRET_ARN');
  });

  it('gives the expiry monitor no access to the private CA (it cannot issue; that CA publishes its own CRL)', () => {
    const template = stacks['acm-pca'] as Template;
    expect(monitorCaStatements(template)).toEqual([]);
    expect(monitorEnvironment(template)).not.toHaveProperty('CAPF_PCA_ARN');
    expect(monitorEnvironment(template)).not.toHaveProperty('CAPF_ISSUER');
  });

  it('uses an existing CA by ARN without creating one', () => {
    const template = stacks['acm-pca existing'] as Template;
    template.resourceCountIs('AWS::ACMPCA::CertificateAuthority', 0);
    expect(issuerStatements(template)).toEqual([
      { Effect: 'Allow', Action: ['acm-pca:GetCertificate', 'acm-pca:IssueCertificate'], Resource: EXISTING_PCA },
    ]);
    expect(signEnvironment(template)).toMatchObject({ CAPF_PCA_ARN: EXISTING_PCA });
  });
});

describe('microsoft-ca backend', () => {
  it('keeps the CA settings and enrolment account in their own secret, readable (only) by the sign function, with CAPF-trust', () => {
    const template = stacks['microsoft-ca'] as Template;
    template.resourceCountIs('AWS::SecretsManager::Secret', 5); // with the authentication string key
    const secret = logicalIdOf(template, 'AWS::SecretsManager::Secret', 'CaBackendOnlineCaSettings');
    const trust = logicalIdOf(template, 'AWS::SecretsManager::Secret', 'StorageTrustSecret');
    template.hasResourceProperties('AWS::SecretsManager::Secret', { SecretString: JSON.stringify({ host: 'ca.corp.example.com', port: 443, auth: 'ntlm' }) });
    expect(issuerStatements(template)).toEqual([{ Effect: 'Allow', Action: SECRET_READ, Resource: [{ Ref: secret }, { Ref: trust }] }]);
    expect(signEnvironment(template)).toMatchObject({ CAPF_ISSUER: 'microsoft-ca', CAPF_ONLINE_CA_SECRET_ARN: { Ref: secret }, CAPF_TRUST_SECRET_ARN: { Ref: trust } });
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.resourceCountIs('AWS::ACMPCA::CertificateAuthority', 0);
  });
});

describe('offline backend', () => {
  let template: Template;
  let cleanup: () => void;
  beforeAll(() => {
    ({ template, cleanup } = buildCapf({ context: { issuer: 'offline' } }));
  });
  afterAll(() => cleanup());

  it('names the CSR bucket to the sign function and lets it write under csr/ only', () => {
    const bucket = logicalIdOf(template, 'AWS::S3::Bucket', 'StorageCsrBucket');
    expect(signEnvironment(template)).toMatchObject({ CAPF_ISSUER: 'offline', CAPF_CSR_BUCKET: { Ref: bucket } });
    const statements = issuerStatements(template);
    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0]!)).toEqual(['s3:PutObject']);
    expect(JSON.stringify(statements[0]!.Resource)).toContain('/csr/*');
    template.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('gives the expiry monitor nothing under csr/ (it only writes crl/capf.crl)', () => {
    expect(monitorCaStatements(template)).toEqual([]);
    expect(monitorEnvironment(template)).not.toHaveProperty('CAPF_CSR_BUCKET');
  });
});
