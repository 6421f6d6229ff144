// The local stack's CAPF CA: `capf-ca.pem` (certificate, shared with phones and `openssl verify`) and `capf-ca.key`
// (private key, mode 0600) in the data folder, generated at first start (F4).
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../shared/errors.ts';
import { generateCapfCa, pemToDer, splitPemChain } from '../../shared/pki/index.ts';

export interface LocalCa {
  certificatePem: string;
  certificateDer: Uint8Array;
  privateKeyPem: string;
  privateKey: KeyObject;
  certificatePath: string;
}

export const CA_CERTIFICATE_FILE = 'capf-ca.pem';
export const CA_KEY_FILE = 'capf-ca.key';
export const TRUST_FOLDER = 'capf-trust';

export async function loadOrCreateLocalCa(dataDir: string, options: { keyType?: 'rsa' | 'ec' } = {}): Promise<LocalCa & { created: boolean }> {
  await mkdir(dataDir, { recursive: true });
  const certificatePath = join(dataDir, CA_CERTIFICATE_FILE);
  const keyPath = join(dataDir, CA_KEY_FILE);
  let created = false;
  let certificatePem: string;
  let privateKeyPem: string;
  try {
    [certificatePem, privateKeyPem] = await Promise.all([readFile(certificatePath, 'utf8'), readFile(keyPath, 'utf8')]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const material = await generateCapfCa({ keyType: options.keyType ?? 'rsa' });
    certificatePem = material.certificatePem;
    privateKeyPem = material.privateKeyPem;
    await writeFile(keyPath, privateKeyPem, { mode: 0o600 });
    await chmod(keyPath, 0o600);
    await writeFile(certificatePath, certificatePem);
    created = true;
  }
  const privateKey = createPrivateKey(privateKeyPem);
  const certificateDer = pemToDer(certificatePem);
  const certificate = new X509Certificate(certificateDer);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new ConfigError(`${certificatePath} and ${keyPath} do not belong together`, 'CA_KEY_MISMATCH');
  }
  return { certificatePem, certificateDer, privateKeyPem, privateKey, certificatePath, created };
}

/** CAPF-trust for the local stack: the CAPF CA plus every PEM file in `<data>/capf-trust/` (e.g. Cisco MIC roots). */
export async function readLocalTrust(dataDir: string, ca: LocalCa): Promise<Uint8Array[]> {
  const anchors: Uint8Array[] = [ca.certificateDer];
  let names: string[] = [];
  try {
    names = await readdir(join(dataDir, TRUST_FOLDER));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  for (const name of names.filter((n) => n.endsWith('.pem')).slice(0, 200)) {
    anchors.push(...splitPemChain(await readFile(join(dataDir, TRUST_FOLDER, name), 'utf8')));
  }
  return anchors;
}
