// Random CAPF sessions for the socket fuzzer: after AUTH_REQUEST the client sends 1–4 frames drawn by fast-check
// (valid phone messages, the same mutated, random headers and bytes), answering each server message with the next
// frame, then closes. Scripts are drawn up front from a seed so a failure can be replayed.
import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import { Opcode, element, encodeMessage, readFields } from '../../shared/protocol/index.ts';
import { RawSession, type Endpoint } from './hostile-clients.ts';

/** Devices the fuzzer names: one with an install pending, one with nothing to do; any other name is unknown. */
export const FUZZ_DEVICES = { install: 'SEP00000000FA01', none: 'SEP00000000FA02' } as const;

const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });

/** Valid phone messages (session id 0: the runner writes the real one when the frame asks for it). */
const SEEDS: Buffer[] = [
  encodeMessage(Opcode.AuthResponse, 0, [element.reason(1), element.version(3), element.deviceName(FUZZ_DEVICES.install), element.password('')]),
  encodeMessage(Opcode.AuthResponse, 0, [element.reason(1), element.version(3), element.deviceName(FUZZ_DEVICES.none)]),
  encodeMessage(Opcode.AuthResponse, 0, [element.version(2), element.deviceName('SEP00000000FAFF'), element.reason(1)]),
  encodeMessage(Opcode.RequestInProgress, 0, []),
  encodeMessage(Opcode.KeyGenerateResponse, 0, [element.publicKey(spki)]),
  encodeMessage(Opcode.StoreCertificateResponse, 0, [element.reason(1)]),
  encodeMessage(Opcode.StoreCertificateResponse, 0, [element.reason(7)]),
  encodeMessage(Opcode.AuthResponse, 0, [element.version(3), element.deviceName(FUZZ_DEVICES.install), element.certificate(spki), element.signedData(spki), element.sha2SignedData(3, spki)]),
];

type Mutation = { kind: 'set'; at: number; byte: number } | { kind: 'truncate'; at: number } | { kind: 'insert'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

function mutate(frame: Buffer, mutations: Mutation[]): Buffer {
  let out = Buffer.from(frame);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === 'set') out[at] = m.byte;
    else if (m.kind === 'truncate') out = out.subarray(0, at);
    else out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
  }
  return out;
}

function header(opcode: number, bodyLength: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes[0] = 0x55;
  bytes[1] = opcode;
  bytes.writeUInt16BE(bodyLength, 6);
  return bytes;
}

export interface FuzzFrame {
  bytes: Uint8Array;
  /** Write the connection's session id into bytes 2–5 before sending (when the frame is that long). */
  echoSessionId: boolean;
}

const frame: fc.Arbitrary<FuzzFrame> = fc.record({
  bytes: fc.oneof(
    { weight: 4, arbitrary: fc.nat(SEEDS.length - 1).map((i) => SEEDS[i] as Buffer) },
    { weight: 4, arbitrary: fc.tuple(fc.nat(SEEDS.length - 1), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([i, m]) => mutate(SEEDS[i] as Buffer, m)) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 30 }), fc.uint8Array({ maxLength: 64 })).map(([op, body]) => Buffer.concat([header(op, body.length), body])) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.nat(0xffff)).map(([op, length]) => header(op, length)) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 200 }) },
  ),
  echoSessionId: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
});

export const fuzzScript = fc.array(frame, { minLength: 1, maxLength: 4 });
export type FuzzScript = FuzzFrame[];

/** `count` scripts drawn from `seed` (the same seed gives the same scripts). */
export function drawScripts(count: number, seed: number): FuzzScript[] {
  return fc.sample(fuzzScript, { numRuns: count, seed });
}

export interface FuzzOutcome {
  sessionId: number;
  endReason?: number;
  /** The server ended the connection before the client's own close. */
  closedByServer: boolean;
}

/**
 * One fuzz session: TLS (resuming `tls.session` when given), AUTH_REQUEST, then each frame in turn, moving on when the
 * server answers or after `replyWaitMs` of silence; stops at END_SESSION, else closes after the last frame.
 */
export async function runFuzzSession(endpoint: Endpoint, script: FuzzScript, tls: ConnectionOptions, replyWaitMs: number, onTicket: (ticket: Buffer) => void): Promise<FuzzOutcome> {
  const session = await RawSession.start(endpoint, tls);
  session.socket.on('session', onTicket);
  let endReason: number | undefined;
  try {
    for (const { bytes, echoSessionId } of script) {
      const out = Buffer.from(bytes);
      if (echoSessionId && out.length >= 6) out.writeUInt32BE(session.sessionId, 2);
      await session.write(out);
      const reply = await session.next(replyWaitMs);
      if (reply?.opcode === Opcode.EndSession) {
        endReason = readFields(reply.elements).reason;
        break;
      }
      if (session.closed) break;
    }
    const closedByServer = session.closed;
    return { sessionId: session.sessionId, ...(endReason === undefined ? {} : { endReason }), closedByServer };
  } finally {
    session.close();
  }
}
