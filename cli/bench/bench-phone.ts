// The benchmark's phone: a lean, callback-driven CAPF client for load generation. Unlike the simulator
// (cli/phone/simulator.ts, which generates its key inside the session and keeps a transcript), it answers
// KEY_GENERATE_REQUEST with a key made before the clock started, checks only that the stored certificate carries
// that key, and keeps nothing but timings. It reuses the protocol codec and the simulator's AUTH_RESPONSE.
import { connect, type TLSSocket } from 'node:tls';
import { Opcode, Reason, element, encodeMessage, FrameReader, readFields, type CapfMessage } from '../../shared/protocol/index.ts';
import { certificateHasKey } from '../../shared/pki/certificate-key.ts';
import { authResponseElements } from '../phone/auth-response.ts';

export interface BenchTarget {
  host: string;
  port: number;
  /** The CAPF certificate the phone trusts. */
  caPem: string;
}

export interface EnrolResult {
  ok: boolean;
  /** From the first byte of the TCP connection to END_SESSION. */
  latencyMs: number;
  error?: string;
}

const NULL_AUTH = { mode: 'null' } as const;

/** One install session with null-string authentication: AUTH, KEY_GENERATE (pre-made key), STORE, END_SESSION 1. */
export function enrolOnce(target: BenchTarget, deviceName: string, spkiDer: Buffer, timeoutMs: number): Promise<EnrolResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const reader = new FrameReader();
    let sessionId = 0;
    let settled = false;
    const socket = openSocket(target);
    const finish = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: error === undefined, latencyMs: performance.now() - started, ...(error === undefined ? {} : { error }) });
    };
    const timer = setTimeout(() => finish(`no END_SESSION within ${timeoutMs} ms`), timeoutMs);
    const send = (opcode: number, elements: Parameters<typeof encodeMessage>[2]): void => {
      socket.write(encodeMessage(opcode, sessionId, elements));
    };
    const onMessage = (message: CapfMessage): void => {
      switch (message.opcode) {
        case Opcode.AuthRequest:
          sessionId = message.sessionId;
          return send(Opcode.AuthResponse, authResponseElements({ deviceName, sessionId, version: 3, auth: NULL_AUTH, misbehave: {} }));
        case Opcode.KeyGenerateRequest:
          return send(Opcode.KeyGenerateResponse, [element.publicKey(spkiDer)]);
        case Opcode.StoreCertificateRequest: {
          const certificate = readFields(message.elements).certificate;
          const carriesKey = certificate !== undefined && certificateHasKey(certificate.der, spkiDer);
          return send(Opcode.StoreCertificateResponse, [element.reason(carriesKey ? Reason.UpdateCertificate : Reason.InvalidElement)]);
        }
        case Opcode.EndSession: {
          const reason = readFields(message.elements).reason;
          return finish(reason === Reason.UpdateCertificate ? undefined : `END_SESSION reason ${reason ?? 'none'}`);
        }
        default:
          return finish(`unexpected opcode ${message.opcode}`);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const message of reader.push(chunk)) onMessage(message);
      } catch (error) {
        finish((error as Error).message);
      }
    });
    socket.on('error', (error) => finish(error.message));
    socket.on('close', () => finish('closed before END_SESSION'));
  });
}

/** A phone parked at AUTH_REQUEST, as one whose user has not typed the authentication string yet. */
export interface ParkedPhone {
  close(): void;
}

/** Connects and waits for AUTH_REQUEST; resolves once the session is waiting for the phone's answer. */
export function parkAtAuthRequest(target: BenchTarget, timeoutMs: number): Promise<ParkedPhone> {
  return new Promise((resolve, reject) => {
    const reader = new FrameReader();
    const socket = openSocket(target);
    const timer = setTimeout(() => fail(new Error(`no AUTH_REQUEST within ${timeoutMs} ms`)), timeoutMs);
    let parked = false;
    function fail(error: Error): void {
      clearTimeout(timer);
      socket.destroy();
      if (!parked) reject(error);
    }
    socket.on('data', (chunk: Buffer) => {
      if (parked) return;
      try {
        const first = reader.push(chunk)[0];
        if (!first) return;
        if (first.opcode !== Opcode.AuthRequest) return fail(new Error(`expected AUTH_REQUEST, got opcode ${first.opcode}`));
        parked = true;
        clearTimeout(timer);
        resolve({ close: () => socket.destroy() });
      } catch (error) {
        fail(error as Error);
      }
    });
    socket.on('error', (error) => fail(error));
    socket.on('close', () => fail(new Error('closed before AUTH_REQUEST')));
  });
}

function openSocket(target: BenchTarget): TLSSocket {
  const socket = connect({ host: target.host, port: target.port, ca: target.caPem, checkServerIdentity: () => undefined });
  socket.setNoDelay(true);
  return socket;
}
