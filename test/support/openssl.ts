// The openssl command line as an independent checker of certificates the project makes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function withFiles<T>(files: Record<string, string>, work: (paths: Record<string, string>) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'capf-openssl-'));
  try {
    const paths: Record<string, string> = {};
    for (const [name, text] of Object.entries(files)) {
      paths[name] = join(dir, name);
      writeFileSync(paths[name], text);
    }
    return work(paths);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl verify -CAfile ca [-untrusted chain] leaf`: returns its output, throws with it on failure. */
export function opensslVerify(caPem: string, leafPem: string, untrustedPem?: string): string {
  return withFiles({ 'ca.pem': caPem, 'leaf.pem': leafPem, ...(untrustedPem ? { 'chain.pem': untrustedPem } : {}) }, (p) => {
    const args = ['verify', '-CAfile', p['ca.pem'] as string, ...(untrustedPem ? ['-untrusted', p['chain.pem'] as string] : []), p['leaf.pem'] as string];
    return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  });
}

/** `openssl x509 -text -noout`. */
export function opensslText(pem: string): string {
  return withFiles({ 'c.pem': pem }, (p) => execFileSync('openssl', ['x509', '-in', p['c.pem'] as string, '-noout', '-text'], { encoding: 'utf8' }));
}
