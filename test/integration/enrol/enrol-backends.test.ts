// Issue 3: a simulated phone enrols through the TLS listener with each issuer backend (software, KMS and ACM PCA on
// moto_server, the online Microsoft CA against the certsrv emulator), and each LSC verifies against its CA chain.
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AcmPcaIssuer } from '../../../shared/issuers/acm-pca/index.ts';
import { CapfCaIssuer, ensureKmsCa, ensureSoftwareCaSecret } from '../../../shared/issuers/capf-ca/index.ts';
import type { Issuer } from '../../../shared/ports/index.ts';
import { derToPem } from '../../../shared/pki/index.ts';
import { startBackendListener, type BackendListener } from '../../support/backend-listener.ts';
import { activeRootCa } from '../../support/pca-root.ts';
import { motoClients, opensslText, opensslVerify, uniqueName } from '../issuers/moto-aws.ts';
import { issuerFor } from '../microsoft-ca/helpers.ts';
import { startCertsrvEmulator } from '../../../cli/certsrv-emulator/index.ts';

const clients = motoClients();
let running: BackendListener | undefined;
let lastKey: string | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function enrol(issuer: Issuer, deviceName: string, keyOrder: 'rsa' | 'ec' = 'rsa') {
  running = await startBackendListener({ dynamo: clients.dynamo, tableName: uniqueName('capf-enrol'), issuer });
  await running.store.devices.put({ name: deviceName, operation: 'install', authMode: 'null-string', keyOrder, rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true });
  const result = await running.phone(deviceName);
  expect(result.endReason).toBe(1);
  lastKey = result.privateKeyPem;
  const device = await running.store.devices.get(deviceName);
  expect(device).toMatchObject({ operation: 'none', status: 'success' });
  expect(device?.lsc?.pem).toBe(result.certificatePem);
  return result.certificatePem as string;
}

describe('enrolment through the listener, per issuer backend', () => {
  it('CAPF CA with the software key in Secrets Manager', async () => {
    const ca = await ensureSoftwareCaSecret(clients.secretsManager, uniqueName('capf/ca'));
    const lsc = await enrol(new CapfCaIssuer({ ...ca, name: 'capf-software' }), 'SEP00AA00000001');
    expect(await opensslVerify(derToPem(ca.certificateDer), lsc)).toMatch(/: OK/);
  });

  it.each([
    ['RSA_2048', 'rsa'],
    ['ECC_NIST_P256', 'ec'],
  ] as const)('CAPF CA with a KMS %s key (the key never leaves KMS)', async (spec, keyOrder) => {
    const key = await clients.kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' }));
    // moto hashes DIGEST input again (see capf-kms-ca.test.ts), so RAW mode is used against it.
    const ca = await ensureKmsCa(clients, { keyId: key.KeyMetadata?.KeyId ?? '', certSecretId: uniqueName('capf/kms-cert'), messageType: 'RAW' }, { commonName: 'CAPF-kmsenrol' });
    const name = spec === 'RSA_2048' ? 'SEP00AA00000002' : 'SEP00AA00000003';
    const lsc = await enrol(new CapfCaIssuer(ca), name, keyOrder);
    expect(await opensslVerify(derToPem(ca.certificateDer), lsc)).toMatch(/: OK/);
    // The KMS CA is not the listener's TLS certificate, yet the LSC it issued authenticates the phone's next session.
    const listener = running as BackendListener;
    const held = { certificatePem: lsc, privateKeyPem: lastKey as string };
    await listener.store.devices.put({ name, operation: 'install', authMode: 'lsc-precedence', keyOrder, rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true });
    expect((await listener.phone(name, { auth: { mode: 'certificate', ...held } })).endReason).toBe(1);
  });

  it('AWS Private CA: the phone answers the provisional CSR exchange and PCA signs its CSR', async () => {
    const ca = await activeRootCa(clients.acmPca);
    const issuer = new AcmPcaIssuer({ client: clients.acmPca, certificateAuthorityArn: ca.arn, maxWaitSeconds: 30 });
    const lsc = await enrol(issuer, 'SEP00AA00000004');
    expect(await opensslVerify(ca.rootPem, lsc)).toMatch(/: OK/);
    expect(new X509Certificate(lsc).issuer).toBe(new X509Certificate(ca.rootPem).subject);
  });

  it.each(['en', 'ko'] as const)('online Microsoft CA (certsrv emulator, %s pages, NTLM): the phone\'s CSR is signed by AD CS', async (locale) => {
    const emulator = await startCertsrvEmulator({ locale });
    try {
      const lsc = await enrol(issuerFor(emulator), locale === 'en' ? 'SEP00AA00000006' : 'SEP00AA00000007');
      expect(await opensslVerify(emulator.caCertificatePem, lsc)).toMatch(/: OK/);
      expect(await opensslText(lsc)).toMatch(/Digital Signature, Key Encipherment/);
    } finally {
      await running?.close();
      running = undefined;
      await emulator.close();
    }
  });

  it('a phone that cannot make a CSR gets a status naming the issuers that work without one', async () => {
    const ca = await activeRootCa(clients.acmPca);
    running = await startBackendListener({ dynamo: clients.dynamo, tableName: uniqueName('capf-enrol'), issuer: new AcmPcaIssuer({ client: clients.acmPca, certificateAuthorityArn: ca.arn }) });
    await running.store.devices.put({ name: 'SEP00AA00000005', operation: 'install', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true });
    expect((await running.phone('SEP00AA00000005', { supportsCsr: false })).endReason).toBe(7);
    const device = await running.store.devices.get('SEP00AA00000005');
    expect(device).toMatchObject({ operation: 'install', status: 'failed' });
    expect(device?.statusReason).toMatch(/cannot produce a CSR.*capf-software or capf-kms/);
  });
});
