// The Fargate listener's TLS secret (listener/tls-secrets.ts) on moto's Secrets Manager: the first
// start fills the `{}` TLS secret; a refresh applies a new certificate, never logs secret text, refuses a key that is
// not the certificate's, and tries a failed reload again on the next refresh.
import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import { ListenerSecrets } from '../../../listener/tls-secrets.ts';
import type { TlsMaterial } from '../../../listener/server.ts';
import { MemoryLogger } from '../../../shared/logging.ts';
import { generateCapfCa, pemToDer, type CapfCaMaterial } from '../../../shared/pki/index.ts';
import { motoClients, uniqueName } from '../issuers/moto-aws.ts';

const client = motoClients().secretsManager;
const tlsSecretId = uniqueName('capf/listener-tls');
let secrets: ListenerSecrets;

const put = (secretId: string, text: string) => client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: text }));
const asSecret = (ca: CapfCaMaterial, privateKeyPem = ca.privateKeyPem) => JSON.stringify({ certificatePem: ca.certificatePem, privateKeyPem });

beforeAll(async () => {
  await client.send(new CreateSecretCommand({ Name: tlsSecretId, SecretString: '{}' }));
  secrets = await ListenerSecrets.load(client, tlsSecretId);
});

describe('listener secrets', () => {
  it('first start fills the TLS secret', () => {
    expect(secrets.tls.certificatePem).toMatch(/BEGIN CERTIFICATE/);
    expect(secrets.tls.privateKeyPem).toMatch(/BEGIN PRIVATE KEY/);
  });

  it('a secret holding malformed JSON with key text: the refresh fails and its log line quotes none of it', async () => {
    const before = secrets.tls;
    const keyText = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7';
    const malformed = `{"certificatePem": "-----BEGIN CERTIFICATE-----", "privateKeyPem": ${keyText}}`;
    // A bare JSON.parse would put part of the key into its message (and so into the log).
    expect(() => JSON.parse(malformed)).toThrow(/MIIEvQ/);
    await put(tlsSecretId, malformed);
    const logger = new MemoryLogger();
    const reloads: TlsMaterial[] = [];
    await secrets.refresh((tls) => reloads.push(tls), logger);
    expect(reloads).toHaveLength(0);
    expect(secrets.tls).toBe(before);
    expect(logger.entries).toHaveLength(1);
    expect(logger.entries[0]).toMatchObject({ level: 'warn', message: 'secret refresh failed' });
    const logged = JSON.stringify(logger.entries);
    expect(logged).toContain('is not JSON');
    for (const fragment of ['MIIEvQ', keyText.slice(10, 30), 'BEGIN CERTIFICATE']) expect(logged).not.toContain(fragment);
  });

  it('a key that is not the certificate\'s, or an oversized secret, is refused before any reload', async () => {
    const [one, two] = await Promise.all([generateCapfCa({ commonName: 'CAPF-one' }), generateCapfCa({ commonName: 'CAPF-two' })]);
    const logger = new MemoryLogger();
    const reloads: TlsMaterial[] = [];
    await put(tlsSecretId, asSecret(one, two.privateKeyPem));
    await secrets.refresh((tls) => reloads.push(tls), logger);
    await put(tlsSecretId, JSON.stringify({ certificatePem: one.certificatePem, privateKeyPem: one.privateKeyPem, padding: 'x'.repeat(70_000) }));
    await secrets.refresh((tls) => reloads.push(tls), logger);
    expect(reloads).toHaveLength(0);
    expect(logger.entries.map((e) => String(e.attributes.reason))).toEqual([
      expect.stringContaining('privateKeyPem is not the key of certificatePem'),
      expect.stringContaining('is over 65536 characters'),
    ]);
    expect(JSON.stringify(logger.entries)).not.toContain('PRIVATE KEY');
  });

  it('a new certificate becomes current only once reloaded: a failed reload is tried again on the next refresh', async () => {
    const rotated = await generateCapfCa({ commonName: 'CAPF-rotated' });
    await put(tlsSecretId, asSecret(rotated));
    const logger = new MemoryLogger();
    let failNext = true;
    const reloads: TlsMaterial[] = [];
    const reload = (tls: TlsMaterial) => {
      reloads.push(tls);
      if (failNext) {
        failNext = false;
        throw new Error('setSecureContext refused the material (test)');
      }
    };
    const before = secrets.tls;
    await secrets.refresh(reload, logger);
    expect(secrets.tls).toBe(before);
    expect(logger.entries.map((e) => e.message)).toEqual(['secret refresh failed']);

    await secrets.refresh(reload, logger);
    expect(reloads).toHaveLength(2);
    expect(Buffer.from(pemToDer(secrets.tls.certificatePem))).toEqual(Buffer.from(rotated.certificateDer));
    expect(logger.entries.map((e) => e.message)).toEqual(['secret refresh failed', 'CAPF certificate reloaded']);

    await secrets.refresh(reload, logger);
    expect(reloads).toHaveLength(2); // unchanged certificate: no reload
  });
});
