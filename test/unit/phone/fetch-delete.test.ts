// Fetch (troubleshoot) and delete from the phone side, with the §9 bytes.
import { beforeAll, describe, expect, it } from 'vitest';
import { Opcode } from '../../../shared/protocol/index.ts';
import { DEVICE, greet, hex, runPhoneAgainst } from './phone-harness.ts';
import { makeCa, makeCredential, type TestCa, type TestCredential } from './test-pki.ts';

let ca: TestCa;
let lsc: TestCredential;

beforeAll(async () => {
  ca = await makeCa();
  lsc = await makeCredential(ca, 'rsa', DEVICE);
});

/** Sends one request with an empty body after authentication; returns the phone's answer bytes. */
async function answerTo(opcode: number, sessionId: number, endReason: number, options: Parameters<typeof runPhoneAgainst>[2] = {}) {
  let raw: Buffer = Buffer.alloc(0);
  const result = await runPhoneAgainst(
    ca,
    async (connection) => {
      await greet(connection, sessionId);
      connection.send(opcode, sessionId, []);
      raw = (await connection.expectFrame()).raw;
      connection.endSession(sessionId, endReason);
    },
    options,
  );
  return { raw, result };
}

function length16(n: number): string {
  return n.toString(16).padStart(4, '0');
}

describe('fetch', () => {
  it('sends its LSC as 01 0001 01 | 04 len 01 len 00 01 DER; END 0', async () => {
    const { raw, result } = await answerTo(Opcode.FetchCertificateRequest, 0x11, 0, { lscPem: lsc.certificatePem });
    const n = lsc.certificateDer.length;
    const expected = Buffer.concat([
      hex(`55 0c 00000011 ${length16(4 + 3 + 5 + n)} | 01 0001 01 | 04 ${length16(5 + n)} 01 ${length16(n + 2)} 00 01`),
      lsc.certificateDer,
    ]);
    expect(raw.toString('hex')).toBe(expected.toString('hex'));
    expect(result).toMatchObject({ operation: 'fetch', endReason: 0, fetchedAnswered: true, closedWithoutEnd: false });
  });

  it('answers REASON 7 when it has no LSC', async () => {
    const { raw, result } = await answerTo(Opcode.FetchCertificateRequest, 0x12, 0);
    expect(raw.toString('hex')).toBe(hex('55 0c 00000012 0004 | 01 0001 07').toString('hex'));
    expect(result).toMatchObject({ operation: 'fetch', endReason: 0, fetchedAnswered: false });
  });
});

describe('delete', () => {
  it('answers 01 0001 01 when it holds an LSC; END 1', async () => {
    const { raw, result } = await answerTo(Opcode.DeleteCertificateRequest, 0x13, 1, { lscPem: lsc.certificatePem });
    expect(raw.toString('hex')).toBe(hex('55 0e 00000013 0004 | 01 0001 01').toString('hex'));
    expect(result).toMatchObject({ operation: 'delete', endReason: 1 });
  });

  it('answers REASON 7 when it has nothing to delete', async () => {
    const { raw } = await answerTo(Opcode.DeleteCertificateRequest, 0x14, 1);
    expect(raw.toString('hex')).toBe(hex('55 0e 00000014 0004 | 01 0001 07').toString('hex'));
  });
});

describe('sessions that end early', () => {
  it('unknown device: END 9 right after authentication', async () => {
    const result = await runPhoneAgainst(ca, async (connection) => {
      await greet(connection, 0x15);
      connection.sendRaw(hex('55 0f 00000015 0004 | 01 0001 09'));
      connection.socket.end();
    });
    expect(result).toMatchObject({ sessionId: 0x15, endReason: 9, operation: 'none', closedWithoutEnd: false });
  });

  it('a server that closes without END_SESSION', async () => {
    const result = await runPhoneAgainst(ca, async (connection) => {
      await greet(connection, 2);
      connection.socket.end();
    });
    expect(result).toMatchObject({ closedWithoutEnd: true, operation: 'unknown' });
    expect(result.endReason).toBeUndefined();
  });

  it('an opcode a phone does not expect ends the session with an error', async () => {
    const result = await runPhoneAgainst(ca, async (connection) => {
      await greet(connection, 2);
      connection.send(Opcode.RetryLater, 2, []);
      await connection.waitClosed();
    });
    expect(result.error).toMatch(/RetryLater/);
    expect(result.closedWithoutEnd).toBe(true);
  });

  it('a request with another session id is an error', async () => {
    const result = await runPhoneAgainst(ca, async (connection) => {
      await greet(connection, 2);
      connection.send(Opcode.FetchCertificateRequest, 3, []);
      await connection.waitClosed();
    });
    expect(result.error).toMatch(/session id 3, not 2/);
  });
});
