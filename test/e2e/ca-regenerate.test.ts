// F4 + F6 over real TLS: `capf ca regenerate` (another process, through the admin service) while the stack runs.
// The listener presents the new certificate without a restart, new LSCs come from it, and the replaced certificate
// stays in CAPF-trust: an LSC it issued still authenticates a fetch, including one the store has no record of, until
// an administrator removes that entry with `capf trust remove`.
import { execFile } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoftwareSigner, derToPem, LscBuilder, pemToDer } from '../../shared/pki/index.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

const run = promisify(execFile);
const CAPF = join(process.cwd(), 'bin', 'capf.js');

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(() => t.close());

async function capf(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const out = await run(process.execPath, [CAPF, ...args, '--data', t.dataDir], { timeout: 60_000 });
    return { ...out, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

describe('capf ca regenerate on a running stack', () => {
  it('applies without a restart, and LSCs of the old certificate authenticate until its entry is removed', async () => {
    const oldCaPem = t.caPem;
    // An LSC this stack issued (recorded in the store) ...
    await t.setDevice({ name: 'SEP00EE00000001' });
    const enrolled = await t.phone('SEP00EE00000001');
    expect(enrolled.endReason, enrolled.error).toBe(1);
    const lsc = { certificatePem: enrolled.certificatePem as string, privateKeyPem: enrolled.privateKeyPem as string };
    // ... and one the old CA signed that the store knows nothing of (issued before the store, or elsewhere).
    const oldKey = createPrivateKey(await readFile(join(t.dataDir, 'capf-ca.key'), 'utf8'));
    const phoneKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const unrecordedDer = await new LscBuilder(pemToDer(oldCaPem), createSoftwareSigner(oldKey)).build({
      deviceName: 'SEP00EE00000002',
      spkiDer: phoneKey.publicKey.export({ type: 'spki', format: 'der' }),
      validityDays: 30,
    });
    const unrecorded = { certificatePem: derToPem(unrecordedDer), privateKeyPem: phoneKey.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };

    const regenerated = await capf('ca', 'regenerate', '--json');
    expect(regenerated.code, regenerated.stderr).toBe(0);
    const result = JSON.parse(regenerated.stdout) as { current: { subject: string; id: string }; replaced: { id: string; keptInCapfTrust: boolean } };
    expect(result.replaced.keptInCapfTrust).toBe(true);
    expect(result.current.id).not.toBe(result.replaced.id);

    await expect.poll(() => t.stack.ca.certificatePem, { timeout: 10_000 }).not.toBe(oldCaPem);
    const newCaPem = t.stack.ca.certificatePem;
    expect(`CN=${new X509Certificate(newCaPem).subject.replace(/^CN=/, '')}`).toBe(result.current.subject);
    expect((await capf('ca', 'export')).stdout).toBe(newCaPem);

    // The phone now trusts the new certificate (its ITL was updated) and proves itself with the OLD LSC: a fetch.
    await t.setDevice({ name: 'SEP00EE00000001', operation: 'fetch', authMode: 'lsc-precedence' });
    const fetched = await t.phone('SEP00EE00000001', { caPem: newCaPem, auth: { mode: 'certificate', ...lsc }, lscPem: lsc.certificatePem });
    expect(fetched.endReason, fetched.error).toBe(0); // END 0: the fetch succeeded (docs/protocol.md §10 row 11)
    expect(fetched.fetchedAnswered).toBe(true);

    // The unrecorded LSC authenticates through the CAPF-trust entry of the old certificate alone ...
    await t.setDevice({ name: 'SEP00EE00000002', operation: 'install', authMode: 'lsc-precedence' });
    const installed = await t.phone('SEP00EE00000002', { caPem: newCaPem, auth: { mode: 'certificate', ...unrecorded } });
    expect(installed.endReason, installed.error).toBe(1);
    expect(new X509Certificate(installed.certificatePem as string).verify(new X509Certificate(newCaPem).publicKey)).toBe(true);

    // ... so once the administrator removes that entry, it no longer does (within the CAPF-trust cache's TTL).
    const removed = await capf('trust', 'remove', result.replaced.id.slice(0, 12), '--store', 'capf');
    expect(removed.code, removed.stderr).toBe(0);
    await t.setDevice({ name: 'SEP00EE00000002', operation: 'install', authMode: 'lsc-precedence' });
    await expect
      .poll(async () => (await t.phone('SEP00EE00000002', { caPem: newCaPem, auth: { mode: 'certificate', ...unrecorded } })).endReason, { timeout: 15_000, interval: 1_000 })
      .toBe(7);

    const audit = await t.stack.store.audit.list({ limit: 100 });
    const adminEvents = audit.events.filter((event) => event.actor === 'local').map((event) => `${event.action}:${event.result}`);
    expect(adminEvents.sort()).toEqual(['ca.regenerate:ok', 'trust.remove:ok']);
  });
});
