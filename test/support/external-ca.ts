// An external CA made with the openssl command line, as an administrator's offline CA would be: a root (and, when
// asked, an intermediate that signs), and `openssl x509 -req` to sign a phone's CSR with chosen extensions.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SignOptions {
  /** openssl extension value; default `critical,digitalSignature,keyEncipherment`. */
  keyUsage?: string;
  /** Overrides the CSR's subject, e.g. `/CN=SEP000000000000`. */
  subject?: string;
  days?: number;
  /** Output form: PEM (default) or DER. */
  form?: 'PEM' | 'DER';
}

export interface ExternalCa {
  /** The root an administrator puts into CAPF-trust. */
  rootPem: string;
  /** The intermediate that signs (intermediate CAs only). */
  intermediatePem?: string;
  /** Signs a PEM CSR; returns the certificate (PEM text or DER bytes). */
  sign(csrPem: string, options?: SignOptions): Buffer;
  /** `openssl crl2pkcs7 -nocrl` of the given PEM certificates: a PKCS#7 bundle (DER). */
  pkcs7(pems: string[]): Buffer;
  close(): void;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

function makeCaCert(dir: string, name: string, subject: string, issuer?: string): void {
  const caExt = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
  if (!issuer) {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', subject, '-days', '30', ...caExt], dir);
    return;
  }
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  writeFileSync(join(dir, `${name}.ext`), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-days', '30', '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
}

export function makeExternalCa(options: { intermediate?: boolean; name?: string } = {}): ExternalCa {
  const dir = mkdtempSync(join(tmpdir(), 'capf-external-ca-'));
  const name = options.name ?? 'Offline Test';
  makeCaCert(dir, 'root', `/CN=${name} Root/O=Example`);
  let signer = 'root';
  if (options.intermediate) {
    makeCaCert(dir, 'intermediate', `/CN=${name} Issuing CA/O=Example`, 'root');
    signer = 'intermediate';
  }
  let serial = 0;
  return {
    rootPem: readFileSync(join(dir, 'root.pem'), 'utf8'),
    ...(options.intermediate ? { intermediatePem: readFileSync(join(dir, 'intermediate.pem'), 'utf8') } : {}),
    sign(csrPem, signOptions = {}) {
      const id = `leaf-${serial++}`;
      writeFileSync(join(dir, `${id}.csr`), csrPem);
      writeFileSync(join(dir, `${id}.ext`), `keyUsage=${signOptions.keyUsage ?? 'critical,digitalSignature,keyEncipherment'}\nextendedKeyUsage=clientAuth\n`);
      const args = ['x509', '-req', '-in', `${id}.csr`, '-CA', `${signer}.pem`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-days', String(signOptions.days ?? 10)];
      if (signOptions.subject) args.push('-subj', signOptions.subject);
      args.push('-extfile', `${id}.ext`, '-outform', signOptions.form ?? 'PEM', '-out', `${id}.out`);
      openssl(args, dir);
      return readFileSync(join(dir, `${id}.out`));
    },
    pkcs7(pems) {
      pems.forEach((pem, index) => writeFileSync(join(dir, `p7-${index}.pem`), pem));
      openssl(['crl2pkcs7', '-nocrl', ...pems.flatMap((_, index) => ['-certfile', `p7-${index}.pem`]), '-outform', 'DER', '-out', 'bundle.p7b'], dir);
      return readFileSync(join(dir, 'bundle.p7b'));
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
