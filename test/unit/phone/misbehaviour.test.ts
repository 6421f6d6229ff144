// Each misbehaviour switch as the server sees it on the wire, plus the TLS options (TLS 1.0 phones, CA checks).
import { beforeAll, describe, expect, it } from 'vitest';
import { Opcode, element } from '../../../shared/protocol/index.ts';
import type { PhoneStep } from '../../../cli/phone/types.ts';
import { DEVICE, asciiHex, greet, hex, runPhoneAgainst } from './phone-harness.ts';
import { makeCa, type TestCa } from './test-pki.ts';

let ca: TestCa;

beforeAll(async () => {
  ca = await makeCa();
});

const NULL_AUTH_RESPONSE = hex(`55 02 00000001 001f | 01 0001 01 | 07 0001 03 | 0d 0010 ${asciiHex(DEVICE)}00 | 0b 0001 00`);

/** AUTH_REQUEST → AUTH_RESPONSE → END 0; returns the socket reads that carried the AUTH_RESPONSE. */
async function authResponseReads(options: Parameters<typeof runPhoneAgainst>[2]) {
  let reads: Buffer[] = [];
  let raw: Buffer = Buffer.alloc(0);
  const result = await runPhoneAgainst(
    ca,
    async (connection) => {
      const frame = await greet(connection, 1);
      raw = frame.raw;
      reads = [...connection.chunks];
      connection.endSession(1, 0);
    },
    options,
  );
  return { reads, raw, result };
}

describe('write patterns', () => {
  it('one write per message by default: the AUTH_RESPONSE arrives in one read', async () => {
    const { reads } = await authResponseReads({});
    expect(reads.map((r) => r.length)).toEqual([NULL_AUTH_RESPONSE.length]);
  });

  it('splitHeader: the header arrives as 4 + 4 bytes in two reads, and the frame is unchanged', async () => {
    const { reads, raw, result } = await authResponseReads({ misbehave: { splitHeader: true } });
    expect(reads.map((r) => r.toString('hex'))).toEqual([
      NULL_AUTH_RESPONSE.subarray(0, 4).toString('hex'),
      NULL_AUTH_RESPONSE.subarray(4).toString('hex'),
    ]);
    expect(raw.equals(NULL_AUTH_RESPONSE)).toBe(true);
    expect(result.endReason).toBe(0);
  });

  it('trickle: one byte per read', async () => {
    const { reads, raw } = await authResponseReads({ misbehave: { trickle: true } });
    expect(reads).toHaveLength(NULL_AUTH_RESPONSE.length);
    expect(reads.every((r) => r.length === 1)).toBe(true);
    expect(raw.equals(NULL_AUTH_RESPONSE)).toBe(true);
  });

  it('wrongSessionId: the phone answers with the session id + 1', async () => {
    const { raw, result } = await authResponseReads({ misbehave: { wrongSessionId: true } });
    expect(raw.subarray(0, 8).toString('hex')).toBe(hex('55 02 00000002 001f').toString('hex'));
    expect(result.sessionId).toBe(1);
    expect(result.transcript.find((e) => e.direction === 'P')?.sessionId).toBe(2);
  });
});

/**
 * Drives the session to `step` and then sends END_SESSION 7 without closing; a phone that answers writes its reply
 * before it reads the END, so every byte it sends after the step arrives before its close.
 */
async function bytesAfterStep(step: PhoneStep, misbehave: { silentAfter?: PhoneStep; dropAfter?: PhoneStep }) {
  let after = -1;
  const result = await runPhoneAgainst(
    ca,
    async (connection) => {
      connection.send(Opcode.AuthRequest, 1, [element.version(3), element.authType(0)]);
      if (step !== 'connect' && step !== 'auth-request') {
        await connection.expectFrame();
        connection.send(Opcode.KeyGenerateRequest, 1, [element.keySize(1024), element.keyType(0)]);
      }
      if (step === 'store-request') {
        while ((await connection.expectFrame()).message.opcode !== Opcode.KeyGenerateResponse);
        connection.send(Opcode.StoreCertificateRequest, 1, [element.certificateType(1), element.certificate(Buffer.from(ca.certificate.rawData))]);
      }
      const before = connection.receivedBytes;
      connection.send(Opcode.EndSession, 1, [element.reason(7)]);
      await connection.waitClosed();
      after = connection.receivedBytes - before;
    },
    { misbehave },
  );
  return { after, result };
}

describe('silentAfter and dropAfter', () => {
  it.each(['auth-request', 'keygen-request', 'store-request'] as const)('a normal phone answers at %s (control)', async (step) => {
    const { after, result } = await bytesAfterStep(step, {});
    expect(after).toBeGreaterThan(0);
    expect(result.endReason).toBe(7);
  });

  it.each(['connect', 'auth-request', 'keygen-request', 'store-request'] as const)('silentAfter %s: nothing more is sent, END is still read', async (step) => {
    const { after, result } = await bytesAfterStep(step, { silentAfter: step });
    expect(after).toBe(0);
    expect(result).toMatchObject({ endReason: 7, closedWithoutEnd: false, sessionId: step === 'connect' ? 0 : 1 });
    expect(result.transcript.at(-1)?.name).toBe('EndSession');
  });

  it.each(['auth-request', 'keygen-request', 'store-request'] as const)('dropAfter %s: the phone closes without answering', async (step) => {
    const { after, result } = await bytesAfterStep(step, { dropAfter: step });
    expect(after).toBe(0);
    expect(result).toMatchObject({ closedWithoutEnd: true, sessionId: 1 });
    expect(result.endReason).toBeUndefined();
    expect(result.error).toBeUndefined();
  });

  it('dropAfter connect: gone right after the handshake, nothing read or sent', async () => {
    const result = await runPhoneAgainst(ca, undefined, { misbehave: { dropAfter: 'connect' } });
    expect(result).toMatchObject({ closedWithoutEnd: true, sessionId: 0, transcript: [] });
  });

  it('a silent phone whose server never ends the session gives up at its timeout', async () => {
    const result = await runPhoneAgainst(
      ca,
      async (connection) => {
        connection.send(Opcode.AuthRequest, 1, [element.version(3), element.authType(0)]);
        await connection.waitClosed();
      },
      { timeoutMs: 300, misbehave: { silentAfter: 'auth-request' } },
    );
    expect(result.error).toMatch(/within 300 ms/);
    expect(result.closedWithoutEnd).toBe(true);
  });
});

describe('TLS', () => {
  const legacyServer = { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;

  it('acts as a TLS 1.0 phone when told to', async () => {
    let serverProtocol: string | null = null;
    const result = await runPhoneAgainst(
      ca,
      async (connection) => {
        serverProtocol = connection.protocol;
        await greet(connection, 1);
        connection.endSession(1, 0);
      },
      { minVersion: 'TLSv1', maxVersion: 'TLSv1' },
      legacyServer,
    );
    expect(serverProtocol).toBe('TLSv1');
    expect(result).toMatchObject({ tlsProtocol: 'TLSv1', endReason: 0 });
  });

  it('a TLS 1.0 phone against a TLS 1.2+ server fails the handshake', async () => {
    const result = await runPhoneAgainst(ca, undefined, { minVersion: 'TLSv1', maxVersion: 'TLSv1' });
    expect(result.error).toMatch(/TLS connection to 127\.0\.0\.1:\d+ failed/);
    expect(result).toMatchObject({ closedWithoutEnd: true, transcript: [] });
  });

  it('refuses a server whose certificate is not the CAPF certificate it trusts; insecure accepts it', async () => {
    const other = await makeCa('CAPF-0ther000');
    const refused = await runPhoneAgainst(ca, undefined, { caPem: other.certificatePem });
    expect(refused.error).toMatch(/failed/);
    expect(refused.transcript).toEqual([]);
    const accepted = await runPhoneAgainst(
      ca,
      async (connection) => {
        await greet(connection, 1);
        connection.endSession(1, 0);
      },
      { caPem: undefined, insecure: true },
    );
    expect(accepted.endReason).toBe(0);
  });
});
