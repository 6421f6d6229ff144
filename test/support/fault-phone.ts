// A phone the test drives one message at a time (so it can stop, drop or be killed under at an exact step), and the
// retry policy of a real phone after a communication failure: three more tries, 30 s apart (anchors A.1, F15).
import { authResponseElements } from '../../cli/phone/auth-response.ts';
import { PhoneConnection } from '../../cli/phone/connection.ts';
import { generatePhoneKey, keySpecFromRequest, readCertificate, type PhoneKey } from '../../cli/phone/phone-keys.ts';
import { Opcode, Reason, element, encodeMessage, opcodeName, readFields, type CapfMessage, type Element } from '../../shared/protocol/index.ts';

export interface PhoneTarget {
  host: string;
  port: number;
  caPem: string;
}

export class ScriptedPhone {
  /** The key generated in this session, once asked for one. */
  key: PhoneKey | undefined;
  /** The certificate the phone stored (confirmed with STORE_CERTIFICATE_RESPONSE 1). */
  certificatePem: string | undefined;

  private constructor(
    private readonly connection: PhoneConnection,
    readonly deviceName: string,
    readonly sessionId: number,
    private readonly timeoutMs: number,
  ) {}

  /** Opens TLS and reads AUTH_REQUEST. */
  static async connect(target: PhoneTarget, deviceName: string, timeoutMs = 10_000): Promise<ScriptedPhone> {
    const connection = await PhoneConnection.open({ ...target, timeoutMs });
    const first = await connection.receive(timeoutMs, 'AUTH_REQUEST');
    if (first?.opcode !== Opcode.AuthRequest) {
      connection.drop();
      throw new Error(`expected AUTH_REQUEST, got ${first ? opcodeName(first.opcode) : 'a closed connection'}`);
    }
    return new ScriptedPhone(connection, deviceName, first.sessionId, timeoutMs);
  }

  /** Null-string AUTH_RESPONSE, then the server's next message (the operation's first request, or END_SESSION). */
  async authenticate(): Promise<CapfMessage | undefined> {
    await this.send(Opcode.AuthResponse, authResponseElements({ deviceName: this.deviceName, sessionId: this.sessionId, version: 3, auth: { mode: 'null' }, misbehave: {} }));
    return this.next();
  }

  /** The next server message; undefined when the server closed. */
  next(): Promise<CapfMessage | undefined> {
    return this.connection.receive(this.timeoutMs, 'a server message');
  }

  /** Generates the key KEY_GENERATE_REQUEST asks for; the answer frame is returned so a test can send it whole or in part. */
  async keyResponse(request: CapfMessage): Promise<Buffer> {
    expectOpcode(request, Opcode.KeyGenerateRequest);
    this.key = await generatePhoneKey(keySpecFromRequest(readFields(request.elements)));
    return encodeMessage(Opcode.KeyGenerateResponse, this.sessionId, [element.publicKey(this.key.spkiDer)]);
  }

  /** Answers KEY_GENERATE_REQUEST with a fresh key; returns the server's next message (STORE_CERTIFICATE_REQUEST). */
  async answerKey(request: CapfMessage): Promise<CapfMessage | undefined> {
    await this.connection.send(await this.keyResponse(request), 'whole');
    return this.next();
  }

  /** Keeps the certificate of STORE_CERTIFICATE_REQUEST (it must carry the phone's key) and confirms with REASON 1. */
  async confirmStore(request: CapfMessage): Promise<void> {
    expectOpcode(request, Opcode.StoreCertificateRequest);
    const certificate = readFields(request.elements).certificate;
    if (!certificate || !this.key) throw new Error('STORE_CERTIFICATE_REQUEST without a certificate, or before a key');
    const { pem, spkiDer } = readCertificate(certificate.der);
    if (!spkiDer.equals(this.key.spkiDer)) throw new Error('the certificate to store is for another key');
    this.certificatePem = pem;
    await this.send(Opcode.StoreCertificateResponse, [element.reason(Reason.UpdateCertificate)]);
  }

  /** Answers DELETE_CERTIFICATE_REQUEST with REASON 1 (deleted). */
  async confirmDelete(request: CapfMessage): Promise<void> {
    expectOpcode(request, Opcode.DeleteCertificateRequest);
    await this.send(Opcode.DeleteCertificateResponse, [element.reason(Reason.UpdateCertificate)]);
  }

  /** Writes raw bytes (part of a frame, garbage) as one write. */
  sendRaw(bytes: Buffer): Promise<void> {
    return this.connection.send(bytes, 'whole');
  }

  /** Reads until END_SESSION or the close; the END reason when one came. */
  async endReason(): Promise<number | undefined> {
    for (;;) {
      const message = await this.next();
      if (!message) return undefined;
      if (message.opcode === Opcode.EndSession) return readFields(message.elements).reason;
    }
  }

  /** Abrupt close, like a phone losing power. */
  drop(): void {
    this.connection.drop();
  }

  close(): void {
    this.connection.close();
  }

  private send(opcode: number, elements: Element[]): Promise<void> {
    return this.connection.send(encodeMessage(opcode, this.sessionId, elements), 'whole');
  }
}

function expectOpcode(message: CapfMessage, opcode: number): void {
  if (message.opcode !== opcode) throw new Error(`expected ${opcodeName(opcode)}, got ${opcodeName(message.opcode)}`);
}

/** A phone retries 3 more times after a failed session, 30 s apart. */
export const PHONE_RETRIES = 3;
export const PHONE_RETRY_INTERVAL_MS = 30_000;

/** One session attempt: resolves with the END reason the phone received (undefined when the session broke). */
export type Attempt = () => Promise<number | undefined>;

/**
 * Runs `attempts[0]`, and while the phone got no END_SESSION 0 or 1, waits the retry interval with `pause` (a fake
 * clock's advance) and runs the next attempt, at most PHONE_RETRIES more. `afterEach` runs after every attempt (the
 * consistency check). Returns the END reason of every attempt made.
 */
export async function withPhoneRetries(attempts: Attempt[], pause: (ms: number) => Promise<void>, afterEach: () => Promise<void>): Promise<Array<number | undefined>> {
  const ends: Array<number | undefined> = [];
  for (const attempt of attempts.slice(0, PHONE_RETRIES + 1)) {
    if (ends.length > 0) await pause(PHONE_RETRY_INTERVAL_MS);
    const end = await attempt();
    ends.push(end);
    await afterEach();
    if (end === Reason.NoAction || end === Reason.UpdateCertificate) break;
  }
  return ends;
}
