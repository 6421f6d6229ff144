// Session summaries from the listener and the EMF lines they become: `Sessions` for every session, `SessionFailures`
// with the reason of the first failure for failed ones (the dashboard's "failures by reason").
import { createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SessionSummary } from '../../../listener/session-driver.ts';
import { SessionMetrics } from '../../../listener/session-metrics.ts';
import { CapfCaIssuer } from '../../../shared/issuers/capf-ca/index.ts';
import { createSoftwareSigner, generateCapfCa } from '../../../shared/pki/index.ts';
import { startBackendListener, type BackendListener } from '../../support/backend-listener.ts';
import { motoClients, uniqueName } from '../issuers/moto-aws.ts';

const summaries: SessionSummary[] = [];
let listener: BackendListener;

beforeAll(async () => {
  const ca = await generateCapfCa({ commonName: 'CAPF-metrics' });
  const issuer = new CapfCaIssuer({ certificateDer: ca.certificateDer, signer: createSoftwareSigner(createPrivateKey(ca.privateKeyPem)) });
  listener = await startBackendListener({ dynamo: motoClients().dynamo, tableName: uniqueName('capf-metrics'), issuer, onSessionEnd: (s) => summaries.push(s) });
  await listener.store.devices.put({ name: 'SEP00CC00000001', operation: 'install', authMode: 'null-string', keyOrder: 'ec', rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true });
});
afterAll(() => listener.close());

describe('session summaries and metrics', () => {
  it('a completed session is not a failure; a wrong session id is one, with its reason', async () => {
    expect((await listener.phone('SEP00CC00000001', { misbehave: { wrongSessionId: true } })).endReason).toBe(7);
    // The AUTH_RESPONSE named the device: the failure is on its status with its code, and the operation still pending.
    expect(await listener.store.devices.get('SEP00CC00000001')).toMatchObject({ status: 'failed', operation: 'install', statusReason: expect.stringMatching(/does not match.*\(SESSION_ID_MISMATCH\)$/) });
    expect((await listener.phone('SEP00CC00000001')).endReason).toBe(1);
    await expect.poll(() => summaries.length).toBe(2);
    expect(summaries[0]).toMatchObject({ device: 'SEP00CC00000001', failed: true, code: 'SESSION_ID_MISMATCH' });
    expect(summaries[1]).toMatchObject({ device: 'SEP00CC00000001', failed: false });
  });

  it('publishes Sessions and SessionFailures(reason) as EMF on stdout', () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const metrics = new SessionMetrics('capf-listener', 'capf');
      for (const summary of summaries) metrics.record(summary);
      metrics.flush();
    } finally {
      spy.mockRestore();
    }
    const emf = lines.flatMap((line) => line.split('\n')).filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(emf.find((e) => 'Sessions' in e)).toMatchObject({ Sessions: [1, 1], service: 'capf-listener' }); // EMF: one value per session, summed by CloudWatch
    expect(emf.find((e) => 'SessionFailures' in e)).toMatchObject({ SessionFailures: 1, reason: 'SESSION_ID_MISMATCH' });
  });
});
