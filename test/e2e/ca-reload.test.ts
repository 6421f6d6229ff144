// F4/F22: a replaced CAPF certificate and key in the data folder apply without a restart: new TLS connections present
// the new certificate and new LSCs are issued by it.
import { X509Certificate } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCapfCa } from '../../shared/pki/index.ts';
import { opensslVerify } from '../support/openssl.ts';
import { startTestStack, type TestStack } from '../support/test-stack.ts';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(() => t.close());

describe('CAPF certificate replaced while the stack runs', () => {
  it('serves and issues with the new certificate, no restart', async () => {
    await t.setDevice({ name: 'SEP00DD00000001' });
    const before = await t.phone('SEP00DD00000001');
    expect(opensslVerify(t.caPem, before.certificatePem as string)).toMatch(/OK/);

    const next = await generateCapfCa({ commonName: 'CAPF-replaced1' });
    await writeFile(join(t.dataDir, 'capf-ca.key'), next.privateKeyPem, { mode: 0o600 });
    await writeFile(join(t.dataDir, 'capf-ca.pem'), next.certificatePem);
    await expect.poll(() => t.stack.ca.certificatePem, { timeout: 10_000 }).toBe(next.certificatePem);

    await t.setDevice({ name: 'SEP00DD00000001', operation: 'install' });
    const after = await t.phone('SEP00DD00000001', { caPem: next.certificatePem });
    expect(after.endReason).toBe(1);
    expect(new X509Certificate(after.certificatePem as string).issuer).toBe('CN=CAPF-replaced1');
    expect(opensslVerify(next.certificatePem, after.certificatePem as string)).toMatch(/OK/);
    // A phone that still trusts only the old certificate no longer completes the handshake.
    expect((await t.phone('SEP00DD00000001', { caPem: t.caPem })).sessionId).toBe(0);
  });
});

describe('a CAPF CA file missing while the stack runs', () => {
  it('keeps serving with the CA it has and generates no new one; the restored files load again', async () => {
    const keyPath = join(t.dataDir, 'capf-ca.key');
    const certificatePath = join(t.dataDir, 'capf-ca.pem');
    const running = t.stack.ca;
    const warned = () => t.logger.entries.filter((e) => e.level === 'warn' && e.message === 'CAPF certificate not reloaded').length;
    const warnedBefore = warned();

    await rm(keyPath);
    await expect.poll(warned, { timeout: 10_000 }).toBeGreaterThan(warnedBefore);
    await new Promise((resolve) => setTimeout(resolve, 500)); // past the watcher's debounce: nothing else may follow
    expect(t.stack.ca).toBe(running);
    await expect(stat(keyPath)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(certificatePath, 'utf8')).toBe(running.certificatePem);

    await t.setDevice({ name: 'SEP00DD00000002' });
    const enrolled = await t.phone('SEP00DD00000002', { caPem: running.certificatePem });
    expect(enrolled.endReason, enrolled.error).toBe(1);
    expect(opensslVerify(running.certificatePem, enrolled.certificatePem as string)).toMatch(/OK/);

    // The copy that arrives late (here a new pair) is loaded as soon as both files are back.
    const next = await generateCapfCa({ commonName: 'CAPF-after-missing' });
    await writeFile(keyPath, next.privateKeyPem, { mode: 0o600 });
    await writeFile(certificatePath, next.certificatePem);
    await expect.poll(() => t.stack.ca.certificatePem, { timeout: 10_000 }).toBe(next.certificatePem);
    await t.setDevice({ name: 'SEP00DD00000002', operation: 'install' });
    const after = await t.phone('SEP00DD00000002', { caPem: next.certificatePem });
    expect(after.endReason, after.error).toBe(1);
    expect(new X509Certificate(after.certificatePem as string).issuer).toBe('CN=CAPF-after-missing');
  });
});
