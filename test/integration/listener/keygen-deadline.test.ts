// A phone that keeps saying REQUEST_IN_PROGRESS and never sends its key is timed out by one key-generation deadline
// from the key request: IN_PROGRESS messages do not buy it a fresh full wait each time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Opcode, encodeMessage } from '../../../shared/protocol/index.ts';
import { ScriptedPhone } from '../../support/fault-phone.ts';
import { startTestStack, type TestStack } from '../../support/test-stack.ts';

const KEYGEN_TIMEOUT_MS = 1_500;
let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({ keygenTimeoutMs: KEYGEN_TIMEOUT_MS });
});
afterAll(() => t.close());

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('key-generation deadline on the wire', () => {
  it('REQUEST_IN_PROGRESS every 300 ms does not keep the session open past the keygen timeout', async () => {
    await t.setDevice({ name: 'SEP00DE00000001' });
    const phone = await ScriptedPhone.connect({ host: '127.0.0.1', port: t.port, caPem: t.caPem }, 'SEP00DE00000001');
    expect((await phone.authenticate())?.opcode).toBe(Opcode.KeyGenerateRequest);
    const requestedAt = Date.now();
    let ended = false;
    // 12 messages (3.6 s) stay under the session's cap of 16, so only the deadline can end the session in time.
    const stalling = (async () => {
      for (let i = 0; i < 12 && !ended; i++) {
        await pause(300);
        if (!ended) await phone.sendRaw(encodeMessage(Opcode.RequestInProgress, phone.sessionId, [])).catch(() => undefined);
      }
    })();
    const endReason = await phone.endReason();
    const elapsed = Date.now() - requestedAt;
    ended = true;
    await stalling;
    phone.close();
    expect(endReason).toBe(7);
    expect(elapsed).toBeGreaterThanOrEqual(KEYGEN_TIMEOUT_MS - 100);
    expect(elapsed).toBeLessThan(KEYGEN_TIMEOUT_MS + 1_000);
    await expect.poll(() => t.logger.entries.find((e) => e.message === 'session-failed' && e.attributes.device === 'SEP00DE00000001')?.attributes.code).toBe('TIMEOUT');
    expect(await t.stack.store.devices.get('SEP00DE00000001')).toMatchObject({ operation: 'install', status: 'failed' });
  });
});
