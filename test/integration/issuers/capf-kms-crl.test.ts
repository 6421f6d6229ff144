// The CAPF CA's CRL signed by a KMS key (moto_server) through the same CaSigner the LSCs use. moto re-hashes DIGEST
// input (see capf-kms-ca.test.ts), so these CRLs are signed in RAW mode, which KMS caps at 4096 bytes of TBS: a few
// dozen entries. Production uses DIGEST (the default), which has no size limit.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateKeyCommand, type KeySpec } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { createKmsSigner, createKmsCaCertificate } from '../../../shared/issuers/capf-ca/index.ts';
import { CrlBuilder, derToPem } from '../../../shared/pki/index.ts';
import { motoClients, rejection, uniqueName } from './moto-aws.ts';

const clients = motoClients();
const execFileAsync = promisify(execFile);
const DAY = 86_400_000;

async function openssl(args: string[], files: Record<string, string>): Promise<{ stdout: string; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'capf-crl-'));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return await execFileAsync('openssl', args.map((arg) => (arg in files ? join(dir, arg) : arg)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('CRL signed through KMS', () => {
  for (const spec of ['RSA_2048', 'ECC_NIST_P256'] as const satisfies readonly KeySpec[]) {
    it(`${spec}: openssl crl -verify accepts it and lists the revoked serials`, async () => {
      const created = await clients.kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY', Description: uniqueName('capf-crl') }));
      const signer = await createKmsSigner(clients.kms, created.KeyMetadata?.KeyId ?? '', { messageType: 'RAW' });
      const caDer = await createKmsCaCertificate(signer, { commonName: 'CAPF-kmscrl01' });
      const now = new Date();
      const crl = await new CrlBuilder(caDer, signer).build({
        entries: [
          { serialHex: '1a2b3c', revokedAt: now, reason: 'cessationOfOperation' },
          { serialHex: '4d5e6f', revokedAt: now, reason: 'superseded' },
        ],
        crlNumber: 12,
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + 7 * DAY),
      });
      const files = { 'ca.pem': derToPem(caDer), 'crl.pem': derToPem(crl, 'X509 CRL') };
      const verified = await openssl(['crl', '-verify', '-CAfile', 'ca.pem', '-in', 'crl.pem', '-noout'], files);
      expect(verified.stdout + verified.stderr).toMatch(/verify OK/);
      const text = (await openssl(['crl', '-text', '-noout', '-in', 'crl.pem'], files)).stdout;
      expect([...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1])).toEqual(['1A2B3C', '4D5E6F']);
      expect(text).toMatch(/X509v3 CRL Number:\s+12\b/);
    });
  }

  it('a CRL whose TBS is over the RAW limit is refused before KMS is called, with the KMS error code', async () => {
    const created = await clients.kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: uniqueName('capf-crl') }));
    const signer = await createKmsSigner(clients.kms, created.KeyMetadata?.KeyId ?? '', { messageType: 'RAW' });
    const caDer = await createKmsCaCertificate(signer, { commonName: 'CAPF-kmscrl02' });
    const now = new Date();
    const entries = Array.from({ length: 200 }, (_, i) => ({ serialHex: (0x1000 + i).toString(16), revokedAt: now }));
    const error = await rejection(new CrlBuilder(caDer, signer).build({ entries, crlNumber: 1, thisUpdate: now, nextUpdate: new Date(now.getTime() + DAY) }));
    expect(error.code).toBe('KMS_MESSAGE_TOO_LARGE');
  });
});
