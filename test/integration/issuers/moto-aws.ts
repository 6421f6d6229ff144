// AWS clients pointed at the run's moto_server, unique names, and `openssl verify` for the issuer and sign tests.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import { Pkcs10CertificateRequestGenerator } from '@peculiar/x509';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { expect, inject } from 'vitest';
import { CapfError } from '../../../shared/errors.ts';

export function motoClientConfig() {
  return {
    endpoint: inject('motoEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
}

export function motoClients() {
  const config = motoClientConfig();
  return {
    secretsManager: new SecretsManagerClient(config),
    kms: new KMSClient(config),
    acmPca: new ACMPCAClient(config),
    dynamo: new DynamoDBClient(config),
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

const execFileAsync = promisify(execFile);

/** Runs `openssl verify` of `leafPem` against `rootPem` (plus untrusted intermediates); returns its output or throws. */
export async function opensslVerify(rootPem: string, leafPem: string, intermediatesPem = ''): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'capf-verify-'));
  try {
    await writeFile(join(dir, 'root.pem'), rootPem);
    await writeFile(join(dir, 'leaf.pem'), leafPem);
    const args = ['verify', '-CAfile', join(dir, 'root.pem')];
    if (intermediatesPem) {
      await writeFile(join(dir, 'untrusted.pem'), intermediatesPem);
      args.push('-untrusted', join(dir, 'untrusted.pem'));
    }
    args.push(join(dir, 'leaf.pem'));
    const { stdout } = await execFileAsync('openssl', args);
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `openssl x509 -text` of a PEM certificate, to assert on extensions the way an administrator would read them. */
export async function opensslText(pem: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'capf-text-'));
  try {
    await writeFile(join(dir, 'c.pem'), pem);
    const { stdout } = await execFileAsync('openssl', ['x509', '-noout', '-text', '-in', join(dir, 'c.pem')]);
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface PhoneKey {
  spkiDer: Uint8Array;
  privateKey: KeyObject;
}

/** A key pair like the one a phone generates in the CAPF flow. */
export function phoneKey(kind: 'rsa' | 'ec' = 'rsa'): PhoneKey {
  const pair = kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { spkiDer: new Uint8Array(pair.publicKey.export({ format: 'der', type: 'spki' })), privateKey: pair.privateKey };
}

/** The typed error a promise rejects with (fails the test when it resolves or throws something untyped). */
export async function rejection(promise: Promise<unknown>): Promise<CapfError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CapfError);
  return error as CapfError;
}

export interface PhoneCsr {
  csrDer: Uint8Array;
  spkiDer: Uint8Array;
}

/** A phone's key pair and its PKCS#10 CSR with CN = device name (the CSR flow), made with @peculiar/x509. */
export async function phoneCsr(commonName: string, kind: 'rsa' | 'ec' = 'rsa'): Promise<PhoneCsr> {
  const algorithm =
    kind === 'rsa'
      ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 }
      : { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const csr = await Pkcs10CertificateRequestGenerator.create({ name: `CN=${commonName}`, keys, signingAlgorithm: algorithm });
  return { csrDer: new Uint8Array(csr.rawData), spkiDer: new Uint8Array(await webcrypto.subtle.exportKey('spki', keys.publicKey)) };
}

/** The environment a Lambda handler under test reads to reach moto (AWS_ENDPOINT_URL) without metrics or chatter. */
export function motoLambdaEnvironment(): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: inject('motoEndpoint'),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
}
