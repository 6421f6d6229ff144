// F15: the listener process killed mid-session. SIGTERM drains (the session in progress finishes; one that cannot
// finish in the grace period ends with END_SESSION 7 and its failure recorded). SIGKILL leaves the device as the dead
// process last wrote it (pending while the phone generated its key, in progress once its key was signed); a fresh `capf serve` on the same data folder serves the phone's retry,
// which completes, and the device then says what happened.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPhone } from '../../cli/phone/simulator.ts';
import { Opcode, Reason } from '../../shared/protocol/index.ts';
import { ScriptedPhone } from '../support/fault-phone.ts';
import { startServe, withStore, type ServeProcess } from '../support/fault-process.ts';
import { expectConsistent, startFaultStack } from '../support/fault-stack.ts';
import { openTcp } from '../support/hostile-clients.ts';

const HOST = '127.0.0.1';
let dataDir: string;
let serve: ServeProcess | undefined;
let caPem: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'capf-kill-'));
  serve = await startServe(dataDir);
  caPem = await readFile(join(dataDir, 'capf-ca.pem'), 'utf8');
});
afterAll(async () => {
  await serve?.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

const serial = (pem: string | undefined) => new X509Certificate(pem as string).serialNumber.toLowerCase().replace(/^0+/, '');

async function arm(name: string) {
  return withStore(dataDir, (store) =>
    store.devices.put({ name, operation: 'install', authMode: 'null-string', keyOrder: 'ec', rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true }),
  );
}

async function running(): Promise<ServeProcess> {
  serve ??= await startServe(dataDir);
  return serve;
}

describe('capf serve killed mid-session', () => {
  it('SIGTERM: new connections are refused, the session in progress completes, then the process exits 0', async () => {
    const server = await running();
    const device = await arm('SEP00000000C001');
    const phone = await ScriptedPhone.connect({ host: HOST, port: server.port, caPem }, device.name);
    const keyRequest = await phone.authenticate();
    expect(keyRequest?.opcode).toBe(Opcode.KeyGenerateRequest);

    const exited = server.kill('SIGTERM');
    serve = undefined;
    await server.waitFor(/SIGTERM: stopping; 1 session open/);
    // The line is written just before the listening socket closes: poll until a new connection is refused.
    const connectError = async () => {
      try {
        (await openTcp({ host: HOST, port: server.port })).destroy();
        return 'connected';
      } catch (error) {
        return (error as NodeJS.ErrnoException).code;
      }
    };
    await expect.poll(connectError).toBe('ECONNREFUSED');
    const storeRequest = await phone.answerKey(keyRequest as NonNullable<typeof keyRequest>);
    await phone.confirmStore(storeRequest as NonNullable<typeof storeRequest>);
    expect(await phone.endReason()).toBe(Reason.UpdateCertificate);
    expect(await exited).toEqual({ code: 0, signal: null });

    await withStore(dataDir, async (store) => {
      const { device: after, issuances } = await expectConsistent(store, device.name);
      expect(after).toMatchObject({ status: 'success', operation: 'none' });
      expect(after.lsc?.serialHex).toBe(serial(phone.certificatePem));
      expect(issuances.map((i) => i.state)).toEqual(['installed']);
    });
  });

  it('SIGKILL while the phone generates its key: the device is left pending as armed (an install is marked in progress only once its key is signed); the retry on a fresh server completes', async () => {
    const server = await running();
    const device = await arm('SEP00000000C002');
    const phone = await ScriptedPhone.connect({ host: HOST, port: server.port, caPem }, device.name);
    expect((await phone.authenticate())?.opcode).toBe(Opcode.KeyGenerateRequest);

    expect(await server.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    serve = undefined;
    expect(await phone.next()).toBeUndefined();
    phone.drop();
    await withStore(dataDir, async (store) => {
      // Issue 16: nothing is written between authentication and the sign service's count, so the device is as armed.
      expect(await store.devices.get(device.name)).toEqual(device);
    });

    const retried = await runPhone({ host: HOST, port: (await running()).port, deviceName: device.name, caPem, timeoutMs: 10_000 });
    expect(retried.endReason).toBe(Reason.UpdateCertificate);
    await withStore(dataDir, async (store) => {
      const { device: after, issuances } = await expectConsistent(store, device.name);
      expect(after).toMatchObject({ status: 'success', operation: 'none', statusReason: expect.stringMatching(/LSC installed/) });
      expect(after.lsc?.serialHex).toBe(serial(retried.certificatePem));
      expect(issuances.map((i) => i.state)).toEqual(['installed']);
    });
  });

  it('SIGKILL after the certificate was sent but before the phone confirmed it: the retry installs a new one, the first stays uninstalled', async () => {
    const server = await running();
    const device = await arm('SEP00000000C003');
    const phone = await ScriptedPhone.connect({ host: HOST, port: server.port, caPem }, device.name);
    const keyRequest = await phone.authenticate();
    const storeRequest = await phone.answerKey(keyRequest as NonNullable<typeof keyRequest>);
    expect(storeRequest?.opcode).toBe(Opcode.StoreCertificateRequest);

    await server.kill('SIGKILL');
    serve = undefined;
    phone.drop();
    await withStore(dataDir, async (store) => {
      expect(await store.devices.get(device.name)).toMatchObject({ status: 'in-progress', statusSessionId: phone.sessionId });
      expect((await store.issuances.listForDevice(device.name)).map((i) => i.state)).toEqual(['issued']);
    });

    const retried = await runPhone({ host: HOST, port: (await running()).port, deviceName: device.name, caPem, timeoutMs: 10_000 });
    expect(retried.endReason).toBe(Reason.UpdateCertificate);
    await withStore(dataDir, async (store) => {
      const { device: after, issuances } = await expectConsistent(store, device.name);
      expect(after).toMatchObject({ status: 'success', operation: 'none' });
      expect(after.lsc?.serialHex).toBe(serial(retried.certificatePem));
      // One certificate per key: the unconfirmed one stays "issued" (a stale LSC, F20), the retry's is installed.
      expect(issuances.map((i) => i.state).sort()).toEqual(['installed', 'issued']);
    });
    expect(await (await running()).kill('SIGTERM')).toEqual({ code: 0, signal: null });
    serve = undefined;
  });
});

describe('drain: a session that does not finish within the grace period', () => {
  it('ends with END_SESSION 7 and its failure recorded, the operation kept for the retry', async () => {
    const stack = await startFaultStack({ keygenTimeoutMs: 60_000 });
    try {
      const device = await stack.setDevice({ name: 'SEP00000000C004' });
      const phone = await ScriptedPhone.connect(stack, device.name);
      expect((await phone.authenticate())?.opcode).toBe(Opcode.KeyGenerateRequest);
      const drained = stack.listener.drain(300);
      expect(await phone.endReason()).toBe(Reason.InvalidElement);
      await drained;
      const { device: after } = await expectConsistent(stack.store, device.name);
      expect(after).toMatchObject({ status: 'failed', operation: 'install', operationId: device.operationId });
      expect(after.statusReason).toMatch(/shutting down/);
    } finally {
      await stack.close();
    }
  });
});
