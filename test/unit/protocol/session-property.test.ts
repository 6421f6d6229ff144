// Property-based: random and mutated bytes through the frame reader, the decoder and the session machine. Nothing may
// throw except the project's typed errors, and the reader never holds more than one bounded frame.
import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../shared/errors.ts';
import {
  CapfSession,
  FrameReader,
  HEADER_LENGTH,
  Opcode,
  decodeMessage,
  element,
  encodeMessage,
  readFields,
  type SessionAction,
  type SessionInput,
} from '../../../shared/protocol/index.ts';
import { makeDevice } from '../../support/devices.ts';

const MAX_BODY = 1024;
const RUNS = 10_000;
const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
/** A signing result that arrives when the session no longer waits for one: its content is never looked at. */
const LATE_CERTIFICATE = { pem: '', serialHex: '1', subject: 'CN=late', issuer: 'CN=late', notBefore: '', notAfter: '', sha256Fingerprint: '' };

/** Valid phone messages of every kind the server expects, as seeds for mutation. */
function seeds(sessionId: number): Buffer[] {
  return [
    encodeMessage(Opcode.AuthResponse, sessionId, [element.reason(1), element.version(3), element.deviceName('SEP001122334455'), element.password('1234')]),
    encodeMessage(Opcode.RequestInProgress, sessionId, []),
    encodeMessage(Opcode.KeyGenerateResponse, sessionId, [element.publicKey(spki)]),
    encodeMessage(Opcode.StoreCertificateResponse, sessionId, [element.reason(1)]),
    encodeMessage(Opcode.FetchCertificateResponse, sessionId, [element.reason(1), element.certificate(spki)]),
    encodeMessage(Opcode.DeleteCertificateResponse, sessionId, [element.reason(1)]),
    encodeMessage(Opcode.AuthResponse, sessionId, [element.version(3), element.deviceName('SEP001122334455'), element.sha2SignedData(3, spki), element.signedData(spki), element.certificate(spki)]),
  ];
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
);

type Mutation = { kind: 'flip' | 'truncate' | 'insert'; at: number; byte?: number; bytes?: Uint8Array };

function mutate(frame: Buffer, mutations: Mutation[]): Buffer {
  let out = Buffer.from(frame);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === 'flip') out[at] = m.byte ?? 0;
    else if (m.kind === 'truncate') out = out.subarray(0, at);
    else out = Buffer.concat([out.subarray(0, at), Buffer.from(m.bytes ?? []), out.subarray(at)]);
  }
  return out;
}

/** Runs `work`, letting through only a ProtocolError: any other error, typed or not, fails the property. */
function onlyProtocolErrors(work: () => void): void {
  try {
    work();
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
  }
}

describe('reader, decoder and session under random input', () => {
  it('the frame reader only raises ProtocolError and never buffers past one bounded frame', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }), fc.boolean(), (chunks, startWithMagic) => {
        const reader = new FrameReader(MAX_BODY);
        if (startWithMagic && chunks[0]) chunks[0] = Uint8Array.from([0x55, ...chunks[0]]);
        try {
          for (const chunk of chunks) {
            reader.push(chunk);
            expect(reader.bufferedBytes).toBeLessThan(HEADER_LENGTH + MAX_BODY);
          }
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated valid frames decode or fail with ProtocolError', () => {
    fc.assert(
      fc.property(fc.nat(6), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(40), { maxLength: 5 }), (seed, mutations, cuts) => {
        const frame = mutate(seeds(1)[seed] as Buffer, mutations);
        onlyProtocolErrors(() => readFields(decodeMessage(frame).elements));
        // The same bytes through the streaming reader, cut at random places, give the same verdict.
        const reader = new FrameReader(MAX_BODY);
        onlyProtocolErrors(() => {
          let at = 0;
          for (const cut of cuts) {
            reader.push(frame.subarray(at, at + cut));
            at += cut;
          }
          reader.push(frame.subarray(at));
        });
        expect(reader.bufferedBytes).toBeLessThan(HEADER_LENGTH + MAX_BODY);
      }),
      { numRuns: RUNS },
    );
  });

  it('the session machine answers any sequence of mutated messages with actions, never an exception', () => {
    const device = makeDevice({ authMode: 'null-string', keyOrder: 'ec', operation: 'install' });
    const context = { trustAnchorsDer: [], requireNameMatch: true, keyDelivery: 'public-key' as const, issuerName: 'capf-software' };
    fc.assert(
      fc.property(
        fc.array(fc.record({ seed: fc.nat(6), mutations: fc.array(mutation, { maxLength: 3 }) }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom('operation-begun', 'device', 'signed', 'recorded', 'timeout', 'peer-closed'),
        (messages, asyncResult) => {
          const session = new CapfSession(7);
          const run = (input: SessionInput): SessionAction[] => {
            const actions = session.handle(input);
            for (const action of actions) {
              if (action.type === 'send') expect(decodeMessage(action.bytes).sessionId).toBe(7);
              if (action.type === 'lookup-device') run({ type: 'device', device, context });
              if (action.type === 'begin-operation') run({ type: 'operation-begun' });
              if (action.type === 'sign') run({ type: 'sign-failed', code: 'TEST', reason: 'refused by the test' });
              if (action.type === 'record') run({ type: 'recorded' });
            }
            return actions;
          };
          run({ type: 'start' });
          const reader = new FrameReader(MAX_BODY);
          for (const { seed, mutations } of messages) {
            const bytes = mutate(seeds(7)[seed] as Buffer, mutations);
            let decoded;
            try {
              decoded = reader.push(bytes);
            } catch (error) {
              expect(error).toBeInstanceOf(ProtocolError);
              run({ type: 'protocol-error', error: error as ProtocolError });
              break;
            }
            for (const message of decoded) run({ type: 'message', message });
          }
          // Results arriving late or out of order are ignored, not fatal.
          if (asyncResult === 'device') run({ type: 'device', device: undefined, context });
          else if (asyncResult === 'signed') run({ type: 'signed', certificate: LATE_CERTIFICATE, certificateDer: spki });
          else run({ type: asyncResult } as SessionInput);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
