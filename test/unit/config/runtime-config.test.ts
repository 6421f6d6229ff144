import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/errors.ts';
import { loadListenerConfig, loadSignConfig } from '../../../shared/config/index.ts';
import { issuerDescriptor } from '../../../shared/issuers/registry.ts';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadSignConfig', () => {
  it('defaults to the software CAPF CA (F1) and FIPS off', () => {
    const config = loadSignConfig({ CAPF_TABLE: 'capf', CAPF_CA_SECRET_ARN: 'capf/ca' });
    expect(config).toEqual({ tableName: 'capf', issuer: { kind: 'capf-software', source: { settings: { caSecretId: 'capf/ca' } } }, fipsMode: false });
  });

  it('reads each issuer with what it needs', () => {
    expect(loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'capf-kms', CAPF_KMS_KEY_ID: 'k', CAPF_CA_CERT_SECRET_ARN: 's' }).issuer).toEqual({
      kind: 'capf-kms',
      source: { settings: { kmsKeyId: 'k', caCertSecretId: 's', kmsMessageType: 'DIGEST' } },
    });
    expect(loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'acm-pca', CAPF_PCA_ARN: 'arn:pca' }).issuer).toEqual({
      kind: 'acm-pca',
      source: { settings: { pcaArn: 'arn:pca' } },
    });
    // The online CA's settings are in a secret the variable names; CAPF-trust is the deployment's, not the issuer's.
    expect(loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'microsoft-ca', CAPF_ONLINE_CA_SECRET_ARN: 'o', CAPF_TRUST_SECRET_ARN: 'trust' })).toMatchObject({
      issuer: { kind: 'microsoft-ca', source: { secretId: 'o', variable: 'CAPF_ONLINE_CA_SECRET_ARN' } },
      trustSecretId: 'trust',
    });
    // The offline CA's CSR bucket.
    expect(loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'offline', CAPF_CSR_BUCKET: 'capf-csr' }).issuer).toEqual({ kind: 'offline', source: { settings: { bucket: 'capf-csr' } } });
    expect(configError(() => loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'offline' })).message).toMatch(/CAPF_CSR_BUCKET is not set/);
  });

  it('parses CAPF_FIPS_MODE and CAPF_KMS_MESSAGE_TYPE, and accepts a valid AWS_ENDPOINT_URL', () => {
    const config = loadSignConfig({
      CAPF_TABLE: 't',
      CAPF_ISSUER: 'capf-kms',
      CAPF_KMS_KEY_ID: 'k',
      CAPF_CA_CERT_SECRET_ARN: 's',
      CAPF_KMS_MESSAGE_TYPE: 'raw',
      CAPF_FIPS_MODE: 'TRUE',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
    });
    expect(config.fipsMode).toBe(true);
    expect(config.issuer.source).toMatchObject({ settings: { kmsMessageType: 'RAW' } });
  });

  it('names the missing or wrong variable', () => {
    expect(configError(() => loadSignConfig({ CAPF_CA_SECRET_ARN: 's' })).message).toMatch(/CAPF_TABLE is not set/);
    expect(configError(() => loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'letsencrypt' })).message).toMatch(
      /CAPF_ISSUER must be one of capf-software, capf-kms, acm-pca, microsoft-ca, offline; got "letsencrypt"/,
    );
    expect(configError(() => loadSignConfig({ CAPF_TABLE: 't' })).message).toMatch(/CAPF_CA_SECRET_ARN is not set; CAPF_ISSUER=capf-software needs it/);
    const kms = configError(() => loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'capf-kms' })).message;
    expect(kms).toMatch(/CAPF_KMS_KEY_ID is not set/);
    expect(kms).toMatch(/CAPF_CA_CERT_SECRET_ARN is not set/);
    expect(configError(() => loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'acm-pca' })).message).toMatch(/CAPF_PCA_ARN is not set/);
    expect(configError(() => loadSignConfig({ CAPF_TABLE: 't', CAPF_ISSUER: 'microsoft-ca' })).message).toMatch(/CAPF_ONLINE_CA_SECRET_ARN is not set/);
    expect(configError(() => loadSignConfig({ CAPF_TABLE: 't', CAPF_CA_SECRET_ARN: 's', CAPF_FIPS_MODE: 'maybe' })).message).toMatch(
      /CAPF_FIPS_MODE must be true or false; got "maybe"/,
    );
    expect(configError(() => loadSignConfig({ CAPF_TABLE: 't', CAPF_CA_SECRET_ARN: 's', AWS_ENDPOINT_URL: 'moto' })).message).toMatch(
      /AWS_ENDPOINT_URL must be an absolute http\(s\) URL/,
    );
    expect(configError(() => loadSignConfig({ CAPF_TABLE: 'x'.repeat(5000), CAPF_CA_SECRET_ARN: 's' })).message).toMatch(/CAPF_TABLE is longer than/);
  });

  it('treats an empty variable as unset', () => {
    expect(configError(() => loadSignConfig({ CAPF_TABLE: 't', CAPF_CA_SECRET_ARN: '  ' })).message).toMatch(/CAPF_CA_SECRET_ARN is not set/);
  });
});

describe('loadListenerConfig', () => {
  const base = { CAPF_TABLE: 't', CAPF_SIGN_FUNCTION: 'capf-sign', CAPF_TLS_SECRET_ARN: 'capf/tls' };

  it('defaults to port 3804 on both stacks', () => {
    expect(loadListenerConfig(base)).toEqual({
      tableName: 't',
      signFunction: 'capf-sign',
      host: '::',
      port: 3804,
      fipsMode: false,
      issuer: 'capf-software',
      tlsSecretId: 'capf/tls',
      trustSecretId: undefined,
      minTlsVersion: undefined,
      proxyProtocol: 'off',
      healthPort: 8080,
      drainMs: 60_000,
      maxSessions: 2_000,
      phoneNetworks: [],
    });
  });

  it('reads the optional settings', () => {
    const config = loadListenerConfig({ ...base, CAPF_ISSUER: 'acm-pca', CAPF_MIN_TLS: 'TLSv1', CAPF_PROXY_PROTOCOL: 'V2', CAPF_HEALTH_PORT: '9000', CAPF_DRAIN_MS: '5000', CAPF_MAX_SESSIONS: '500', CAPF_PHONE_NETWORKS: '10.0.0.0/8, 2001:db8::/32' });
    expect(config).toMatchObject({ issuer: 'acm-pca', minTlsVersion: 'TLSv1', proxyProtocol: 'v2', healthPort: 9000, drainMs: 5000, maxSessions: 500, phoneNetworks: ['10.0.0.0/8', '2001:db8::/32'] });
    expect(issuerDescriptor(config.issuer).keyDelivery).toBe('csr');
    expect(issuerDescriptor('capf-kms').keyDelivery).toBe('public-key');
  });

  it('names a bad value or a missing variable', () => {
    const problems: Array<[Record<string, string>, RegExp]> = [
      [{ ...base, CAPF_PORT: '70000' }, /CAPF_PORT must be a TCP port between 1 and 65535/],
      [{ ...base, CAPF_HEALTH_PORT: 'http' }, /CAPF_HEALTH_PORT must be a TCP port/],
      [{ ...base, CAPF_MIN_TLS: 'SSLv3' }, /CAPF_MIN_TLS must be TLSv1, TLSv1.1 or TLSv1.2/],
      [{ ...base, CAPF_PROXY_PROTOCOL: 'v1' }, /CAPF_PROXY_PROTOCOL must be v2 .* or off; got "v1"/],
      [{ ...base, CAPF_DRAIN_MS: '-1' }, /CAPF_DRAIN_MS must be a whole number/],
      [{ ...base, CAPF_MAX_SESSIONS: '0' }, /CAPF_MAX_SESSIONS must be a whole number from 1 to 100000/],
      [{ ...base, CAPF_MAX_SESSIONS: '2e3' }, /CAPF_MAX_SESSIONS must be a whole number/],
      [{ ...base, CAPF_ISSUER: 'offline-ca' }, /CAPF_ISSUER must be one of/],
      [{ ...base, CAPF_PHONE_NETWORKS: '10.0.0.0/8,10.1.0.0/33' }, /CAPF_PHONE_NETWORKS: "10.1.0.0\/33" is not an IPv4 CIDR block/],
      [{ CAPF_TABLE: 't', CAPF_TLS_SECRET_ARN: 's' }, /CAPF_SIGN_FUNCTION is not set/],
      [{ CAPF_TABLE: 't', CAPF_SIGN_FUNCTION: 'f' }, /CAPF_TLS_SECRET_ARN is not set/],
    ];
    for (const [env, message] of problems) expect(configError(() => loadListenerConfig(env)).message).toMatch(message);
  });
});
