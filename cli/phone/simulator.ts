// A simulated Cisco phone: one CAPF session from the PHONE side (docs/protocol.md §4). The server drives; the phone
// authenticates, then answers whatever it is asked until END_SESSION or until the connection ends.
import { X509Certificate } from 'node:crypto';
import { ConfigError } from '../../shared/errors.ts';
import { certificateHasKey } from '../../shared/pki/certificate-key.ts';
import { peerText } from '../../shared/peer-text.ts';
import {
  CertificateTypeCode,
  Opcode, Reason, element, encodeMessage, opcodeName, readFields, type CapfMessage, type Element, type MessageFields } from '../../shared/protocol/index.ts';
import { authResponseElements, loadCredential } from './auth-response.ts';
import { PhoneConnection, type WriteStyle } from './connection.ts';
import { buildCsr, generatePhoneKey, keySpecFromRequest, phoneKeyFromPem, readCertificate, type KeySpec, type PhoneKey } from './phone-keys.ts';
import { PhoneSimulatorError, type PhoneAuth, type PhoneMisbehaviour, type PhoneOptions, type PhoneResult, type PhoneStep } from './types.ts';

const DEFAULT_PHONE_TIMEOUT_MS = 30_000;
const MAX_IN_PROGRESS = 100;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function checkOptions(options: PhoneOptions): void {
  if (!options.deviceName) throw new ConfigError('the phone needs a device name', 'PHONE_OPTIONS');
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw new ConfigError(`port ${options.port} is not a TCP port`, 'PHONE_OPTIONS');
  }
  if (!options.caPem && !options.insecure) {
    throw new ConfigError('the phone needs the CAPF certificate to trust (caPem), or insecure: true', 'PHONE_OPTIONS');
  }
  const count = options.misbehave?.inProgressCount;
  if (count !== undefined && (!Number.isInteger(count) || count < 0 || count > MAX_IN_PROGRESS)) {
    throw new ConfigError(`inProgressCount must be 0..${MAX_IN_PROGRESS}`, 'PHONE_OPTIONS');
  }
  if (options.lscPem) {
    try {
      new X509Certificate(options.lscPem);
    } catch (error) {
      throw new ConfigError(`the phone's LSC does not parse: ${messageOf(error)}`, 'PHONE_OPTIONS');
    }
  }
  if (options.auth?.mode === 'certificate') {
    loadCredential(options.auth, 'authentication');
    if (options.auth.sudi) loadCredential(options.auth.sudi, 'SUDI');
  }
}

/** Runs one session. Resolves with what happened (failures are in `error`); rejects only on unusable options. */
export async function runPhone(options: PhoneOptions): Promise<PhoneResult> {
  checkOptions(options);
  let pendingKey: PhoneKey | undefined;
  try {
    pendingKey = options.pendingKeyPem ? phoneKeyFromPem(options.pendingKeyPem) : undefined;
  } catch (error) {
    throw new ConfigError(`the pending phone key does not load: ${messageOf(error)}`, 'PHONE_OPTIONS');
  }
  const result: PhoneResult = { sessionId: 0, closedWithoutEnd: false, operation: 'unknown', transcript: [] };
  const timeoutMs = options.timeoutMs ?? DEFAULT_PHONE_TIMEOUT_MS;
  let connection: PhoneConnection;
  try {
    connection = await PhoneConnection.open({ ...options, timeoutMs });
  } catch (error) {
    result.closedWithoutEnd = true;
    result.error = messageOf(error);
    return result;
  }
  result.tlsProtocol = connection.tlsProtocol;
  const session = new PhoneSession(options, connection, result, timeoutMs, pendingKey);
  try {
    await session.run();
  } catch (error) {
    result.error ??= messageOf(error);
    if (result.endReason === undefined) result.closedWithoutEnd = true;
  } finally {
    connection.close();
  }
  return result;
}

class PhoneSession {
  private sessionId = 0;
  private authSent = false;
  private requestSeen = false;
  private writeFailure: unknown;
  private readonly misbehave: PhoneMisbehaviour;
  private readonly auth: PhoneAuth;

  constructor(
    private readonly options: PhoneOptions,
    private readonly connection: PhoneConnection,
    private readonly result: PhoneResult,
    private readonly timeoutMs: number,
    /** The phone's newest key pair: from an earlier session, then whatever this session generates. */
    private key: PhoneKey | undefined,
  ) {
    this.misbehave = options.misbehave ?? {};
    this.auth = options.auth ?? { mode: 'null' };
    if (key) result.privateKeyPem = key.privateKeyPem;
  }

  async run(): Promise<void> {
    if (await this.stopsAt('connect')) return;
    const first = await this.receive('AUTH_REQUEST');
    if (!first) return this.closedByServer();
    if (first.opcode === Opcode.EndSession) return this.onEnd(first);
    if (first.opcode !== Opcode.AuthRequest) throw this.unexpected(first);
    this.sessionId = first.sessionId;
    this.result.sessionId = first.sessionId;
    if (await this.stopsAt('auth-request')) return;
    const version = this.options.version ?? 3;
    await this.send(Opcode.AuthResponse, authResponseElements({ deviceName: this.options.deviceName, sessionId: this.sessionId, version, auth: this.auth, misbehave: this.misbehave }));
    this.authSent = true;
    for (;;) {
      const message = await this.receive('request or END_SESSION');
      if (!message) return this.closedByServer();
      if (message.opcode === Opcode.EndSession) return this.onEnd(message);
      if (message.sessionId !== this.sessionId) {
        throw new PhoneSimulatorError(`${opcodeName(message.opcode)} carries session id ${message.sessionId}, not ${this.sessionId}`, 'PHONE_SESSION_ID');
      }
      if (await this.handle(message)) return;
    }
  }

  /** Answers one request; true when the phone stops here (a silent or dropping misbehaviour). */
  private async handle(message: CapfMessage): Promise<boolean> {
    const fields = readFields(message.elements);
    switch (message.opcode) {
      case Opcode.KeyGenerateRequest:
      case Opcode.SignCertificateRequest:
        this.asked('install');
        if (await this.stopsAt('keygen-request')) return true;
        await this.answerKeyRequest(fields, message.opcode === Opcode.SignCertificateRequest);
        return false;
      case Opcode.StoreCertificateRequest:
        this.asked('install');
        if (await this.stopsAt('store-request')) return true;
        await this.send(Opcode.StoreCertificateResponse, [element.reason(this.store(fields))]);
        return false;
      case Opcode.FetchCertificateRequest:
        this.asked('fetch');
        await this.send(Opcode.FetchCertificateResponse, this.fetchAnswer());
        return false;
      case Opcode.DeleteCertificateRequest:
        this.asked('delete');
        await this.send(Opcode.DeleteCertificateResponse, [element.reason(this.options.lscPem ? Reason.UpdateCertificate : Reason.InvalidElement)]);
        return false;
      default:
        throw this.unexpected(message);
    }
  }

  private asked(operation: PhoneResult['operation']): void {
    this.requestSeen = true;
    this.result.operation = operation;
  }

  /** KEY_GENERATE_REQUEST → PUBLIC_KEY, or SIGN_CERTIFICATE_REQUEST → CSR; REASON 7 when the phone cannot. */
  private async answerKeyRequest(fields: MessageFields, wantsCsr: boolean): Promise<void> {
    const answer = wantsCsr ? Opcode.SignCertificateResponse : Opcode.KeyGenerateResponse;
    let spec: KeySpec;
    try {
      spec = keySpecFromRequest(fields);
    } catch (error) {
      this.result.error = messageOf(error);
      return this.send(answer, [element.reason(Reason.InvalidElement)]);
    }
    const refuses =
      (wantsCsr && this.options.supportsCsr === false) ||
      (spec.keyType === 'ec' && this.options.supportsEc === false) ||
      (!wantsCsr && this.misbehave.failKeygen === true);
    if (refuses) return this.send(answer, [element.reason(Reason.InvalidElement)]);
    for (let i = 0; i < (this.misbehave.inProgressCount ?? 1); i++) await this.send(Opcode.RequestInProgress, []);
    const key = await generatePhoneKey(spec);
    this.key = key;
    this.result.privateKeyPem = key.privateKeyPem;
    if (!wantsCsr) return this.send(answer, [element.publicKey(key.spkiDer)]);
    const csr = await buildCsr(key, fields.deviceName ?? this.options.deviceName);
    this.result.csrDer = csr;
    return this.send(answer, [element.csr(csr)]);
  }

  /** Keeps the certificate only when it carries the phone's own newest key; returns the REASON to answer. */
  private store(fields: MessageFields): number {
    try {
      if (!fields.certificate) throw new PhoneSimulatorError('STORE_CERTIFICATE_REQUEST has no CERTIFICATE', 'PHONE_STORE');
      const { pem } = readCertificate(fields.certificate.der);
      if (!this.key) throw new PhoneSimulatorError('the server sent a certificate but the phone has generated no key', 'PHONE_STORE');
      if (!certificateHasKey(fields.certificate.der, this.key.spkiDer)) throw new PhoneSimulatorError('the certificate to store is for another public key', 'PHONE_STORE');
      if (this.misbehave.failStore) return Reason.InvalidElement;
      this.result.certificatePem = pem;
      this.result.privateKeyPem = this.key.privateKeyPem;
      return Reason.UpdateCertificate;
    } catch (error) {
      this.result.error = messageOf(error);
      return Reason.InvalidElement;
    }
  }

  private fetchAnswer(): Element[] {
    this.result.fetchedAnswered = this.options.lscPem !== undefined;
    if (!this.options.lscPem) return [element.reason(Reason.InvalidElement)];
    const der = new X509Certificate(this.options.lscPem).raw;
    return [element.reason(Reason.UpdateCertificate), element.certificate(der, CertificateTypeCode.Lsc)];
  }

  private onEnd(message: CapfMessage): void {
    const fields = readFields(message.elements);
    this.result.endReason = fields.reason;
    if (fields.reasonInfo) this.result.endInfo = peerText(Buffer.from(fields.reasonInfo).toString('utf8').replace(/\0+$/, ''), 160);
    if (fields.reason === undefined) this.result.error = 'END_SESSION carries no REASON';
    if (this.authSent && !this.requestSeen) this.result.operation = 'none';
    this.connection.close();
  }

  private closedByServer(): void {
    this.result.closedWithoutEnd = true;
    if (this.writeFailure !== undefined) this.result.error ??= `writing to the server failed: ${messageOf(this.writeFailure)}`;
  }

  /** Applies `dropAfter` / `silentAfter` for a step; true when the phone stops answering here. */
  private async stopsAt(step: PhoneStep): Promise<boolean> {
    if (this.misbehave.dropAfter === step) {
      this.connection.drop();
      this.result.closedWithoutEnd = true;
      return true;
    }
    if (this.misbehave.silentAfter !== step) return false;
    // Still reads (and records) what the server says, until END_SESSION, the server's close or the timeout.
    for (;;) {
      const message = await this.receive('END_SESSION');
      if (!message) {
        this.closedByServer();
        return true;
      }
      if (message.opcode === Opcode.EndSession) {
        this.onEnd(message);
        return true;
      }
    }
  }

  private async receive(waitingFor: string): Promise<CapfMessage | undefined> {
    const message = await this.connection.receive(this.timeoutMs, waitingFor);
    if (message) this.record('S', message.opcode, message.sessionId, message.elements);
    return message;
  }

  private async send(opcode: number, elements: Element[]): Promise<void> {
    const sessionId = this.misbehave.wrongSessionId ? (this.sessionId + 1) >>> 0 : this.sessionId;
    const frame = encodeMessage(opcode, sessionId, elements);
    this.record('P', opcode, sessionId, elements);
    const style: WriteStyle = this.misbehave.trickle ? 'trickle' : this.misbehave.splitHeader ? 'split-header' : 'whole';
    try {
      await this.connection.send(frame, style);
    } catch (error) {
      // The server may have ended the session and closed first; its END_SESSION can still be read.
      this.writeFailure ??= error;
    }
  }

  private record(direction: 'S' | 'P', opcode: number, sessionId: number, elements: readonly Element[]): void {
    this.result.transcript.push({ direction, opcode, name: opcodeName(opcode), sessionId, tags: elements.map((e) => e.tag) });
  }

  private unexpected(message: CapfMessage): PhoneSimulatorError {
    return new PhoneSimulatorError(`the server sent ${opcodeName(message.opcode)} (${message.opcode}), which a phone does not expect here`, 'PHONE_UNEXPECTED');
  }
}
