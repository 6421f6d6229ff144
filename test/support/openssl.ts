// The openssl command line as an independent checker of certificates the project makes.
import { execFileSync, spawn } from 'node:child_process';
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

export interface HandshakeOutcome {
  /** Negotiated protocol and suite (OpenSSL names), when the handshake completed. */
  protocol?: string;
  cipher?: string;
  output: string;
}

/**
 * `openssl s_client -connect host:port -brief <args>` against a server in this process (so asynchronous: a
 * synchronous child would block the event loop the server answers on). Stdin is empty, so it ends after the handshake.
 */
export function opensslHandshake(host: string, port: number, args: string[], timeoutMs = 10_000): Promise<HandshakeOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', '-connect', `${host}:${port}`, '-brief', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('latin1')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      const protocol = /^Protocol version: (\S+)/m.exec(output)?.[1];
      const cipher = /^Ciphersuite: (\S+)/m.exec(output)?.[1];
      resolve({ ...(protocol ? { protocol } : {}), ...(cipher ? { cipher } : {}), output });
    });
  });
}
