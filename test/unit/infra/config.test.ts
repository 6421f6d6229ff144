import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, InfraConfigError, ISSUER_KINDS, loadConfig, parseConfig } from '../../../infra/config.ts';
import { DEFAULT_ISSUER_KIND, ISSUER_KINDS as REGISTRY_KINDS } from '../../../shared/issuers/registry.ts';
import { cdkJsonContext } from './support.ts';

/** A context getter over plain objects, as the CDK node would present them. */
function contextOf(values: Record<string, unknown>) {
  return (key: string) => values[key];
}

describe('infra configuration', () => {
  it('cdk.json carries a complete, valid default configuration', () => {
    const config = loadConfig(contextOf(cdkJsonContext()));
    expect(config).toMatchObject({ environment: 'dev', issuer: 'capf-software', desiredListenerCount: 2, maxListenerCount: 6, minTls: 'TLSv1.2' });
    expect(config.account).toBeUndefined();
  });

  it('layers -c flags (strings) over the "capf" object of cdk.json', () => {
    const config = loadConfig(
      contextOf({
        capf: { environment: 'dev', desiredListenerCount: 2, allowedPhoneCidrs: ['10.0.0.0/8'] },
        environment: 'prod',
        desiredListenerCount: '3',
        allowedPhoneCidrs: '192.0.2.0/24, 2001:db8::/32',
        emailRecipients: 'a@example.com,b@example.com',
        issuer: 'acm-pca',
        pcaArn: 'arn:aws:acm-pca:eu-west-1:111111111111:certificate-authority/0f9e4a51-6a3e-4b7b-9d8c-2c1b3a4d5e6f',
      }),
    );
    expect(config.environment).toBe('prod');
    expect(config.desiredListenerCount).toBe(3);
    expect(config.maxListenerCount).toBe(DEFAULT_CONFIG.maxListenerCount);
    expect(config.allowedPhoneCidrs).toEqual(['192.0.2.0/24', '2001:db8::/32']);
    expect(config.emailRecipients).toEqual(['a@example.com', 'b@example.com']);
    expect(config.pcaArn).toMatch(/certificate-authority\//);
  });

  it.each([
    [{ issuer: 'vault' }, /issuer "vault" must be one of capf-software, capf-kms, acm-pca, microsoft-ca/],
    [{ caBackend: 'kms' }, /caBackend is now "issuer"/],
    [{ issuer: 'microsoft-ca' }, /needs onlineCaHost/],
    [{ onlineCaHost: 'ca.example.com' }, /needs issuer=microsoft-ca/],
    [{ pcaArn: 'arn:aws:acm-pca:eu-west-1:111111111111:certificate-authority/0f9e4a51-6a3e-4b7b-9d8c-2c1b3a4d5e6f' }, /needs issuer=acm-pca/],
    [{ allowedPhoneCidrs: ['10.0.0.300/8'] }, /not an IPv4 or IPv6 CIDR/],
    [{ allowedPhoneCidrs: '0.0.0.0' }, /not an IPv4 or IPv6 CIDR/],
    [{ emailRecipients: ['not-an-address'] }, /is not an email address/],
    [{ desiredListenerCount: -1 }, /listener counts/],
    [{ desiredListenerCount: 0, maxListenerCount: 0 }, /listener counts/],
    [{ desiredListenerCount: 4, maxListenerCount: 3 }, /listener counts/],
    [{ desiredListenerCount: '2.5' }, /must be an integer/],
    [{ sessionDrainSeconds: 7200 }, /0-3600/],
    [{ minTls: 'SSLv3' }, /minTls "SSLv3" must be one of TLSv1, TLSv1.1, TLSv1.2/],
    [{ logRetentionDays: 10 }, /logRetentionDays must be one of/],
    [{ environment: 'Prod env' }, /environment "Prod env"/],
    [{ account: '1234' }, /12 digits/],
    [{ region: 'europe' }, /not an AWS region/],
    [{ listenerCount: 2 }, /unknown setting\(s\): listenerCount/],
  ])('refuses %j', (raw, message) => {
    expect(() => parseConfig(raw)).toThrow(InfraConfigError);
    expect(() => parseConfig(raw)).toThrow(message);
  });

  it('allows no listener task for the first deployment, before the TLS secret is filled', () => {
    expect(parseConfig({ desiredListenerCount: '0' }).desiredListenerCount).toBe(0);
  });

  it('refuses a "capf" context value that is not an object', () => {
    expect(() => loadConfig(contextOf({ capf: 'prod' }))).toThrow(/must be an object/);
  });

  it('offers exactly the issuers of the runtime registry, with the same default (one vocabulary: CAPF_ISSUER)', () => {
    // infra imports no runtime code, so it keeps its own list; this keeps the two equal.
    expect([...ISSUER_KINDS]).toEqual([...REGISTRY_KINDS]);
    expect(DEFAULT_CONFIG.issuer).toBe(DEFAULT_ISSUER_KIND);
  });
});
