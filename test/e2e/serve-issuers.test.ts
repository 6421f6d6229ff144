// `capf serve --issuer KIND --issuer-config FILE`: the local stack picks its issuer through the registry, so a lab can
// sign with its own AD CS or a KMS key. Each case runs the real `capf serve` process and enrols a simulated phone
// through it: against the certsrv emulator (the phone is asked for a CSR), and, in a cluster of listener workers,
// against KMS on moto_server (the phone sends a bare public key). A bad settings file stops the start with one line naming the field, never the password.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateKeyCommand, type KeySpec } from '@aws-sdk/client-kms';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { emulatorIssuerSettings, startCertsrvEmulator, type CertsrvEmulator } from '../../cli/certsrv-emulator/index.ts';
import { runPhone } from '../../cli/phone/simulator.ts';
import { Reason } from '../../shared/protocol/index.ts';
import { deviceIssuances } from '../../shared/domain/certificate-states.ts';
import { motoClients, opensslVerify, uniqueName } from '../integration/issuers/moto-aws.ts';
import { startServe, withStore, type ServeProcess } from '../support/fault-process.ts';

const run = promisify(execFile);
const CAPF = join(process.cwd(), 'bin', 'capf.js');

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capf-serve-issuers-'));
});
afterAll(() => rm(folder, { recursive: true, force: true }));

/** Starts `capf serve` with the issuer and settings, arms `device` and enrols it with the phone simulator. */
async function enrolThrough(
  name: string,
  issuer: { kind: string; settings: object; env?: Record<string, string>; workers?: number },
  device: { name: string; keyOrder: 'rsa' | 'ec' },
): Promise<{ serve: ServeProcess; dataDir: string; certificatePem: string; issuerOfRecord: string | undefined }> {
  const dataDir = join(folder, name);
  const configFile = join(folder, `${name}.json`);
  await writeFile(configFile, JSON.stringify(issuer.settings), { mode: 0o600 });
  const args = ['--issuer', issuer.kind, '--issuer-config', configFile, ...(issuer.workers ? ['--workers', String(issuer.workers)] : [])];
  const serve = await startServe(dataDir, { args, ...(issuer.env ? { env: issuer.env } : {}) });
  try {
    expect(serve.output()).toMatch(new RegExp(`issuer:\\s+${issuer.kind}`));
    await withStore(dataDir, (store) =>
      store.devices.put({ name: device.name, operation: 'install', authMode: 'null-string', keyOrder: device.keyOrder, rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true }),
    );
    const caPem = await readFile(join(dataDir, 'capf-ca.pem'), 'utf8');
    const result = await runPhone({ host: '127.0.0.1', port: serve.port, deviceName: device.name, caPem, timeoutMs: 30_000 });
    expect(result.error, result.error).toBeUndefined();
    expect(result.endReason).toBe(Reason.UpdateCertificate);
    const { device: stored, records: issuances } = await withStore(dataDir, (store) => deviceIssuances(store, device.name));
    expect(stored).toMatchObject({ status: 'success', operation: 'none', lsc: { pem: result.certificatePem } });
    expect(issuances.map((record) => record.state)).toEqual(['installed']);
    return { serve, dataDir, certificatePem: result.certificatePem as string, issuerOfRecord: issuances[0]?.issuer };
  } catch (error) {
    await serve.kill('SIGKILL');
    throw error;
  }
}

describe('capf serve --issuer microsoft-ca, against the certsrv emulator', () => {
  let emulator: CertsrvEmulator;
  beforeAll(async () => {
    emulator = await startCertsrvEmulator({});
  });
  afterAll(() => emulator.close());

  it('asks the phone for a CSR, has the AD CS site sign it and installs the certificate', async () => {
    const settings = emulatorIssuerSettings(emulator);
    const submissions = emulator.caRequests.length;
    const { serve, certificatePem, issuerOfRecord } = await enrolThrough('adcs', { kind: 'microsoft-ca', settings }, { name: 'SEP0A0B0C0D0E01', keyOrder: 'rsa' });
    try {
      expect(issuerOfRecord).toBe('microsoft-ca');
      expect(emulator.caRequests.length).toBe(submissions + 1);
      const lsc = new X509Certificate(certificatePem);
      expect(lsc.verify(new X509Certificate(emulator.caCertificatePem).publicKey)).toBe(true);
      expect(lsc.subject).toContain('CN=SEP0A0B0C0D0E01');
    } finally {
      await serve.kill('SIGTERM');
    }
  });
});

describe('capf serve --issuer capf-kms --workers 2, against KMS on moto_server', () => {
  it('each listener worker signs the phone key with the KMS key through the default AWS credential chain (AWS_ENDPOINT_URL)', async () => {
    const clients = motoClients();
    const key = await clients.kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048' as KeySpec, KeyUsage: 'SIGN_VERIFY' }));
    const caCertSecretId = uniqueName('capf/serve-kms-ca');
    // moto ignores MessageType=DIGEST (see test/integration/issuers/capf-kms-ca.test.ts), so KMS hashes: RAW.
    const settings = { kmsKeyId: key.KeyMetadata?.KeyId, caCertSecretId, kmsMessageType: 'RAW' };
    const env = { AWS_ENDPOINT_URL: inject('motoEndpoint'), AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    const { serve, certificatePem, issuerOfRecord } = await enrolThrough('kms', { kind: 'capf-kms', settings, env, workers: 2 }, { name: 'SEP0A0B0C0D0E02', keyOrder: 'rsa' });
    try {
      expect(issuerOfRecord).toBe('capf-kms');
      // The CA certificate the first start created through KMS, not the local CA file, issued the LSC.
      const secret = await clients.secretsManager.send(new GetSecretValueCommand({ SecretId: caCertSecretId }));
      const { certificatePem: kmsCaPem } = JSON.parse(secret.SecretString ?? '{}') as { certificatePem: string };
      expect(await opensslVerify(kmsCaPem, certificatePem)).toMatch(/: OK/);
    } finally {
      await serve.kill('SIGTERM');
    }
  });
});

describe('capf serve with a bad issuer settings file', () => {
  it('stops with one line naming the file and the field, without the password, and exit code 1', async () => {
    const configFile = join(folder, 'bad.json');
    await writeFile(configFile, JSON.stringify({ host: 'not a host!', template: 'CiscoPhoneLSC', username: 'CORP\\capf', password: 'Pa55-do-not-echo', trustedCaPem: [] }));
    const failure = await run(process.execPath, [CAPF, 'serve', '--data', join(folder, 'bad'), '--port', '0', '--issuer', 'microsoft-ca', '--issuer-config', configFile], {
      timeout: 30_000,
    }).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    const lines = (failure?.stderr ?? '').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^capf: [A-Z_]+: issuer config ${configFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: host: must be a DNS host name`));
    expect(`${failure?.stdout}${failure?.stderr}`).not.toContain('Pa55-do-not-echo');
  });
});
