// The local stack's CAPF CA: `capf-ca.pem` (certificate, shared with phones and `openssl verify`) and `capf-ca.key`
// (private key, mode 0600) in the data folder, generated at first start (F4).
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../shared/errors.ts';
import { certificateHasKey } from '../../shared/pki/certificate-key.ts';
import { generateCapfCa, pemToDer } from '../../shared/pki/index.ts';

export interface LocalCa {
  certificatePem: string;
  certificateDer: Uint8Array;
  privateKeyPem: string;
  privateKey: KeyObject;
  certificatePath: string;
}

export const CA_CERTIFICATE_FILE = 'capf-ca.pem';
export const CA_KEY_FILE = 'capf-ca.key';

/**
 * Reads and checks the CA files; never writes. A missing file is a ConfigError (code CA_MISSING): while the stack
 * runs, a file that is gone (deleted, or not yet copied back) must not be taken as "generate a new CA".
 */
export async function loadLocalCa(dataDir: string): Promise<LocalCa> {
  const certificatePath = join(dataDir, CA_CERTIFICATE_FILE);
  const keyPath = join(dataDir, CA_KEY_FILE);
  let certificatePem: string;
  let privateKeyPem: string;
  try {
    [certificatePem, privateKeyPem] = await Promise.all([readFile(certificatePath, 'utf8'), readFile(keyPath, 'utf8')]);
  } catch (error) {
    const { code, path } = error as NodeJS.ErrnoException;
    if (code !== 'ENOENT') throw error;
    throw new ConfigError(`${path ?? `${certificatePath} or ${keyPath}`} is missing`, 'CA_MISSING');
  }
  return checkedCa(certificatePem, privateKeyPem, certificatePath, keyPath);
}

/** The first start's load: generates the CA (and writes both files) when a file is missing. */
export async function loadOrCreateLocalCa(dataDir: string, options: { keyType?: 'rsa' | 'ec' } = {}): Promise<LocalCa & { created: boolean }> {
  await mkdir(dataDir, { recursive: true });
  try {
    return { ...(await loadLocalCa(dataDir)), created: false };
  } catch (error) {
    if (!(error instanceof ConfigError) || error.code !== 'CA_MISSING') throw error;
  }
  const certificatePath = join(dataDir, CA_CERTIFICATE_FILE);
  const keyPath = join(dataDir, CA_KEY_FILE);
  const material = await generateCapfCa({ keyType: options.keyType ?? 'rsa' });
  await writeFile(keyPath, material.privateKeyPem, { mode: 0o600 });
  await chmod(keyPath, 0o600);
  await writeFile(certificatePath, material.certificatePem);
  return { ...checkedCa(material.certificatePem, material.privateKeyPem, certificatePath, keyPath), created: true };
}

function checkedCa(certificatePem: string, privateKeyPem: string, certificatePath: string, keyPath: string): LocalCa {
  const privateKey = createPrivateKey(privateKeyPem);
  const certificateDer = pemToDer(certificatePem);
  new X509Certificate(certificateDer); // throws on a file that is not a certificate
  if (!certificateHasKey(certificateDer, createPublicKey(privateKey).export({ type: 'spki', format: 'der' }))) {
    throw new ConfigError(`${certificatePath} and ${keyPath} do not belong together`, 'CA_KEY_MISMATCH');
  }
  return { certificatePem, certificateDer, privateKeyPem, privateKey, certificatePath };
}
