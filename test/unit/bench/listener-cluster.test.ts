// cli/local/cluster.ts, which `capf bench` and `capf serve --workers` run on: session ids disjoint across workers, phones
// enrolling through any worker against the primary's store, a crashed worker replaced, a new CAPF certificate applied
// everywhere, and nothing left after close.
// (Not pure: it starts real worker processes on loopback.)
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPhone } from '../../../cli/phone/simulator.ts';
import { startListenerCluster, StridedSessionCounter, stridedSessionId, type ListenerCluster } from '../../../cli/local/cluster.ts';
import { MemoryLogger } from '../../../shared/logging.ts';
import { openLocalStore } from '../../../cli/local/local-store.ts';
import { Opcode, Reason } from '../../../shared/protocol/index.ts';
import { ScriptedPhone } from '../../support/fault-phone.ts';
import { generateCapfCa } from '../../../shared/pki/index.ts';

describe('session ids in a cluster', () => {
  it('gives worker i of N the ids i+1, i+1+N, ...: disjoint across workers, none twice', () => {
    const seen = new Set<number>();
    for (let worker = 0; worker < 3; worker++) {
      for (let sequence = 1; sequence <= 100; sequence++) {
        const id = stridedSessionId(sequence, worker, 3);
        expect(id % 3).toBe((worker + 1) % 3);
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    }
    expect([...seen].sort((a, b) => a - b).slice(0, 6)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('counts on from 1 per worker and stays a 32-bit id that is never 0', () => {
    const second = new StridedSessionCounter(1, 2);
    expect([second.next(), second.next(), second.next()]).toEqual([2, 4, 6]);
    expect(stridedSessionId(2 ** 31, 1, 2)).toBe(0); // (2^31 - 1) * 2 + 2 wraps to 0 ...
    const wrapping = new StridedSessionCounter(1, 2);
    (wrapping as unknown as { sequence: number }).sequence = 2 ** 31 - 1;
    expect(wrapping.next()).toBe(2); // ... so the counter skips it
  });

  it('refuses a place outside the cluster', () => {
    expect(() => new StridedSessionCounter(2, 2)).toThrow(RangeError);
    expect(() => new StridedSessionCounter(-1, 2)).toThrow(RangeError);
    expect(() => new StridedSessionCounter(0, 0)).toThrow(RangeError);
  });
});

describe('a cluster of two listener workers', () => {
  let dataDir: string;
  let cluster: ListenerCluster;
  let port: number;
  const logger = new MemoryLogger();

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'capf-cluster-test-'));
    cluster = await startListenerCluster({ dataDir, hosts: ['127.0.0.1'], port: 0, workers: 2, logger, logLevel: 'error', caKeyType: 'ec', timeStoreCalls: true });
    port = cluster.addresses[0]?.port as number;
  });

  afterAll(async () => {
    await cluster?.close(1_000);
    await rm(dataDir, { recursive: true, force: true });
  });

  /** True when a TLS handshake verifies against `caPem` (the listener presents that certificate). */
  const trustedBy = (caPem: string) =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, ca: caPem, checkServerIdentity: () => undefined });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        socket.destroy();
        setTimeout(() => resolve(false), 50);
      });
    });

  const enrol = async (name: string) => {
    await cluster.store.devices.put({ name, operation: 'install', authMode: 'null-string', keyOrder: 'ec', rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true });
    return runPhone({ host: '127.0.0.1', port, deviceName: name, caPem: cluster.ca.certificatePem, timeoutMs: 10_000 });
  };

  it('serves phones from both workers with distinct session ids, against the primary store', async () => {
    const results = [];
    for (let i = 1; i <= 4; i++) results.push(await enrol(`SEP00000000C0D${i}`));
    const ca = new X509Certificate(cluster.ca.certificatePem);
    for (const result of results) {
      expect(result.endReason, result.error).toBe(1);
      expect(new X509Certificate(result.certificatePem as string).verify(ca.publicKey)).toBe(true);
    }
    const ids = results.map((r) => r.sessionId);
    expect(new Set(ids).size).toBe(4);
    expect(new Set(ids.map((id) => id % 2))).toEqual(new Set([0, 1])); // odd ids from worker 0, even from worker 1
    expect(await cluster.store.devices.get('SEP00000000C0D4')).toMatchObject({ status: 'success', operation: 'none' });

    const reports = await cluster.report();
    expect(reports.map((r) => r.index).sort()).toEqual([0, 1]);
    expect(reports.reduce((sum, r) => sum + r.listener.accepted, 0)).toBe(4);
    // An install is marked in progress by the sign service's key claim, not by a markInProgress of its own (issue 16).
    expect(reports.reduce((sum, r) => sum + (r.storeCalls['devices.claimKey']?.count ?? 0), 0)).toBe(4);
    expect(reports.reduce((sum, r) => sum + (r.storeCalls['devices.markInProgress']?.count ?? 0), 0)).toBe(0);
    for (const report of reports) expect(report.rssBytes).toBeGreaterThan(0);
  });

  it('replaces a worker that dies, and keeps serving', async () => {
    const [victim] = cluster.workerPids();
    const asked = cluster.report(); // asked as the worker dies: answered by the other one, without waiting out a timeout
    process.kill(victim as number, 'SIGKILL');
    const answered = await asked;
    expect(answered.length).toBeGreaterThanOrEqual(1);
    const whileGone = await cluster.report(); // its channel has closed: it is not asked at all
    expect(whileGone.map((report) => report.pid)).not.toContain(victim);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !(cluster.workerPids().length === 2 && !cluster.workerPids().includes(victim as number))) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(cluster.workerPids()).toHaveLength(2);
    expect(cluster.workerPids()).not.toContain(victim);
    expect(logger.entries.some((e) => e.message === 'listener worker stopped; starting another')).toBe(true);
    for (let i = 5; i <= 6; i++) expect((await enrol(`SEP00000000C0D${i}`)).endReason).toBe(1);
    expect((await cluster.report()).map((r) => r.index).sort()).toEqual([0, 1]); // the replacement took the same place
  });

  it('keeps its CA when the key file goes missing, and generates no new one', async () => {
    const keyPath = join(dataDir, 'capf-ca.key');
    const running = cluster.ca;
    const keyPem = await readFile(keyPath, 'utf8');
    const warned = () => logger.entries.filter((e) => e.message === 'CAPF certificate not reloaded').length;
    const warnedBefore = warned();
    await rm(keyPath);
    await expect.poll(warned, { timeout: 10_000 }).toBeGreaterThan(warnedBefore);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(cluster.ca).toBe(running);
    await expect(stat(keyPath)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(join(dataDir, 'capf-ca.pem'), 'utf8')).toBe(running.certificatePem);
    for (let i = 0; i < 2; i++) expect(await trustedBy(running.certificatePem)).toBe(true); // both workers
    const result = await enrol('SEP00000000C0DA');
    expect(result.endReason, result.error).toBe(1);
    await writeFile(keyPath, keyPem, { mode: 0o600 });
  });

  it('applies a replaced CAPF certificate and key in every worker without a restart', async () => {
    const next = await generateCapfCa({ keyType: 'ec' });
    await writeFile(join(dataDir, 'capf-ca.key'), next.privateKeyPem, { mode: 0o600 });
    await writeFile(join(dataDir, 'capf-ca.pem'), next.certificatePem);
    // Round-robin alternates the workers: four handshakes in a row with the new certificate means both have it.
    const deadline = Date.now() + 15_000;
    let inARow = 0;
    while (Date.now() < deadline && inARow < 4) inARow = (await trustedBy(next.certificatePem)) ? inARow + 1 : 0;
    expect(inARow).toBe(4);
    expect(cluster.ca.certificatePem).toBe(next.certificatePem);
    for (let i = 7; i <= 8; i++) {
      const name = `SEP00000000C0D${i}`;
      await cluster.store.devices.put({ name, operation: 'install', authMode: 'null-string', keyOrder: 'ec', rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true });
      const result = await runPhone({ host: '127.0.0.1', port, deviceName: name, caPem: next.certificatePem, timeoutMs: 10_000 });
      expect(result.endReason, result.error).toBe(1);
      expect(new X509Certificate(result.certificatePem as string).verify(new X509Certificate(next.certificatePem).publicKey)).toBe(true);
    }
  });

  it('counts the sessions open in its workers; a drain ends them early on request, recorded; no worker is left after close', async () => {
    // The previous test's sessions end on the server just after their phones have their answers.
    await expect.poll(() => cluster.openSessions()).toBe(0);
    const name = 'SEP00000000C0DB';
    const device = await cluster.store.devices.put({ name, operation: 'install', authMode: 'null-string', keyOrder: 'ec', rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true });
    const phone = await ScriptedPhone.connect({ host: '127.0.0.1', port, caPem: cluster.ca.certificatePem }, name);
    expect((await phone.authenticate())?.opcode).toBe(Opcode.KeyGenerateRequest);
    expect(await cluster.openSessions()).toBe(1);

    const pids = cluster.workerPids();
    const closed = cluster.close(60_000);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the drain has begun: the session is waited for
    cluster.endGrace('interrupted: stopped twice during the session');
    expect(await phone.endReason()).toBe(Reason.InvalidElement);
    await closed;
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    const local = await openLocalStore(dataDir);
    try {
      expect(await local.store.devices.get(name)).toMatchObject({ status: 'failed', operationId: device.operationId, statusReason: expect.stringMatching(/stopped twice/) });
    } finally {
      await local.close();
    }
  });
});
