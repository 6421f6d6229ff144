// Phone sessions' outcomes as audit events: the batched recorder writes 25 events per store call (never one per
// session), what is left at flush, survives a store that fails without failing the caller; and a real enrolment on the
// local stack leaves a session.end event in the device's trail next to the admin's change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchedAuditRecorder, sessionEndEvent } from '../../../listener/session-audit.ts';
import { AdminService } from '../../../shared/admin/admin-service.ts';
import { StoreError } from '../../../shared/errors.ts';
import type { AuditEvent, Stores } from '../../../shared/ports/index.ts';
import { startTestStack, type TestStack } from '../../support/test-stack.ts';
import { BACKENDS } from '../store/store-backends.ts';

describe.each(BACKENDS)('batched session audit on $name', (backend) => {
  let connection: Awaited<ReturnType<typeof backend.connect>>;
  let stores: Stores;

  beforeAll(async () => {
    connection = await backend.connect();
    stores = await connection.newStore();
  });
  afterAll(async () => {
    await connection.close();
  });

  it('writes 25 events per store call and the rest at flush', async () => {
    const calls: number[] = [];
    const recorder = new BatchedAuditRecorder({ recordMany: (events) => (calls.push(events.length), stores.audit.recordMany(events)) }, { maxDelayMs: 60_000 });
    for (let i = 0; i < 60; i++) {
      await recorder.record(sessionEndEvent({ sessionId: i, peer: '192.0.2.7:50000', device: 'SEP0011223344AA', failed: i % 2 === 1, ...(i % 2 === 1 ? { code: 'AUTH_STRING_WRONG' } : {}) }));
    }
    await recorder.flush();
    expect(calls).toEqual([25, 25, 10]); // no call per session: two full batches, the rest at flush
    const trail = await stores.audit.list({ deviceName: 'SEP0011223344AA', limit: 100 });
    expect(trail.events).toHaveLength(60);
    expect(trail.events.find((e) => e.sessionId === 1)).toMatchObject({ actor: 'phone', action: 'session.end', result: 'failed', code: 'AUTH_STRING_WRONG', peer: '192.0.2.7:50000' });
  });

  it('drops what a failed write held, counts it, and never fails the session that recorded', async () => {
    const warnings: string[] = [];
    const failing = { recordMany: async (_events: readonly AuditEvent[]) => Promise.reject(new StoreError('table unavailable')) };
    const recorder = new BatchedAuditRecorder(failing, { maxEvents: 2, maxBuffered: 3, logger: { warn: (m: string) => warnings.push(m) } as never });
    await expect(recorder.record(sessionEndEvent({ sessionId: 1, peer: 'p', device: undefined, failed: false }))).resolves.toBeUndefined();
    await recorder.record(sessionEndEvent({ sessionId: 2, peer: 'p', device: 'not a name!', failed: false }));
    await recorder.flush();
    expect(recorder.dropped).toBe(2);
    expect(warnings).toEqual(['session audit events not written']);
  });

  it('keeps only a valid device name from the wire', () => {
    expect(sessionEndEvent({ sessionId: 3, peer: 'x', device: '<script>', failed: true, code: 'PROTOCOL' })).not.toHaveProperty('deviceName');
  });
});

describe('session outcomes on the local stack', () => {
  let test: TestStack;
  beforeAll(async () => {
    test = await startTestStack();
  });
  afterAll(async () => {
    await test?.close();
  });

  it("records the enrolment's session.end in the device's trail beside the admin's change", async () => {
    const admin = new AdminService({ stores: test.stack.store });
    await admin.createDevice({ actor: 'local' }, 'SEP00AA00BB00CC', { operation: 'install', authString: '246810' });
    const result = await test.phone('SEP00AA00BB00CC', { auth: { mode: 'password', password: '246810' } });
    expect(result.certificatePem).toContain('BEGIN CERTIFICATE');
    // The listener reports the session once its store writes have settled, just after the phone has its answer.
    while (test.stack.listener.openSessions > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await test.stack.audit.flush();
    const events = (await admin.listAudit({ deviceName: 'SEP00AA00BB00CC', limit: 10 })).events;
    expect(events.map((e) => [e.action, e.actor, e.result])).toEqual([
      ['session.end', 'phone', 'ok'],
      ['device.create', 'local', 'ok'],
    ]);
    expect(JSON.stringify(events)).not.toContain('246810');
  });
});
