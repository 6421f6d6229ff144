// The CAPF session as a pure state machine (docs/protocol.md §4): inputs are decoded messages and the results of the
// driver's asynchronous work (device lookup, store writes, signing); outputs are bytes to send and work to do.
// No sockets, clocks or stores here: the listener drives it, tests drive it directly.
import { CapfError } from '../errors.ts';
import { type Device, isValidDeviceName, type StoredCertificate } from '../model.ts';
import { describePublicKey, type PublicKeyDescription } from '../pki/spki.ts';
import { toStoredCertificate } from '../pki/certificate.ts';
import { parseCsr } from '../pki/csr.ts';
import { certificatePublicKeyDer } from '../pki/certificate-key.ts';
import type { KeyDelivery, LockoutPolicy, OperationOutcome } from '../ports/index.ts';
import { AUTH_STRING_GUESS_CODES, lockedUntil, lockoutPolicy } from '../domain/auth-lockout.ts';
import { authenticate, type AuthenticationContext } from './authenticate.ts';
import { describeRequest, firstKeyRequest, keyMismatch, type KeyRequest } from './key-request.ts';
import { encodeMessage, type CapfMessage, type Element } from './codec.ts';
import { ACCEPTED_VERSIONS, AuthType, CurveCode, KeyType, Opcode, PROTOCOL_VERSION, Reason, opcodeName } from './constants.ts';
import { element, readFields, type MessageFields } from './elements.ts';
import { peerList, peerText } from '../peer-text.ts';

export interface DeviceContext extends Omit<AuthenticationContext, 'sessionId'> {
  keyDelivery: KeyDelivery;
  /** Named in the status when a phone cannot make a CSR. */
  issuerName: string;
  /** How wrong authentication strings lock the device (from the service parameters; default: their defaults). */
  lockout?: LockoutPolicy;
  /**
   * A certificate an offline CA signed for the key of the phone's pending CSR (docs/offline-ca.md): the session skips
   * key generation and sends it in STORE_CERTIFICATE_REQUEST; the phone kept the key.
   */
  waitingCertificate?: { certificate: StoredCertificate; certificateDer: Uint8Array; spkiSha256: string };
}

export type SessionInput =
  | { type: 'start' }
  | { type: 'message'; message: CapfMessage }
  | { type: 'protocol-error'; error: CapfError }
  | { type: 'device'; device: Device | undefined; context: DeviceContext }
  | { type: 'operation-begun' }
  | { type: 'begin-failed'; reason: string }
  /** The certificate as the store keeps it (recorded as the LSC once installed) and its DER (sent to the phone). */
  | { type: 'signed'; certificate: StoredCertificate; certificateDer: Uint8Array; notice?: string }
  | { type: 'sign-failed'; code: string; reason: string }
  | { type: 'recorded' }
  | { type: 'store-failed'; reason: string }
  | { type: 'timeout' }
  | { type: 'abort'; reason: string }
  /** The connection ended: closed by the phone, or broken (`reason` then says how: reset, TLS alert...). */
  | { type: 'peer-closed'; reason?: string };

export type SessionAction =
  | { type: 'send'; opcode: number; bytes: Buffer }
  /**
   * `elapsedMs` (keygen only): how much of the key-generation wait has passed. The wait is one deadline from the key
   * request; REQUEST_IN_PROGRESS does not restart it, or a phone could hold its session slot for as long as it likes.
   */
  | { type: 'await-reply'; timeout: 'message' | 'keygen'; elapsedMs?: number }
  | { type: 'lookup-device'; deviceName: string }
  | { type: 'begin-operation'; deviceName: string; operationId: string }
  | { type: 'sign'; deviceName: string; operationId: string; publicKeyDer: Uint8Array; csrDer?: Uint8Array }
  | {
      type: 'record';
      deviceName: string;
      operationId: string;
      outcome: OperationOutcome;
      issuance?: { spkiSha256: string; state: 'installed' | 'abandoned' };
    }
  | { type: 'close'; reason: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; event: string; detail: Record<string, unknown> };

type State = 'new' | 'auth' | 'lookup' | 'begin' | 'keygen' | 'signing' | 'store' | 'fetch' | 'delete' | 'recording' | 'ended';


/** A phone may say "still generating" a few times; more than this is a stalling client. */
const MAX_IN_PROGRESS = 16;

export class CapfSession {
  private state: State = 'new';
  private device: Device | undefined;
  private deviceName: string | undefined;
  private operationBegun = false;
  private keyRequest: KeyRequest | undefined;
  private triedRsaFallback = false;
  private inProgressCount = 0;
  /** When the current key request was sent (ms since the epoch, by `now`). */
  private keyRequestedAt = 0;
  private publicKey: PublicKeyDescription | undefined;
  private certificate: StoredCertificate | undefined;
  /** What the sign service said about the certificate (its validity capped at the CA's), for the device's status. */
  private certificateNotice: string | undefined;
  private endReasonAfterRecord: number = Reason.InvalidElement;
  /** REASON_INFO text for the END_SESSION after the record, when the phone should hear why. */
  private endInfoAfterRecord: string | undefined;
  /** A failure found before the device was read (wrong session id in AUTH_RESPONSE): recorded once it is known. */
  private failureBeforeLookup: { reason: string; code: string } | undefined;
  private peerGone = false;
  private authFields: MessageFields | undefined;
  private context: DeviceContext | undefined;
  private authFailureCode: string | undefined;

  constructor(
    readonly sessionId: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get currentState(): State {
    return this.state;
  }

  get name(): string | undefined {
    return this.deviceName;
  }

  /** Why authentication failed (its code, LOCKED for a locked device), when it did: per-address limits count these. */
  get authenticationFailure(): string | undefined {
    return this.authFailureCode;
  }

  handle(input: SessionInput): SessionAction[] {
    if (this.state === 'ended') return [];
    // While the outcome is recorded the verdict is made: more bytes from the phone change nothing (failing again would
    // log the client twice and send END_SESSION 7 before a success is written).
    if (this.state === 'recording' && (input.type === 'message' || input.type === 'protocol-error')) return [];
    switch (input.type) {
      case 'start':
        return this.start();
      case 'message':
        return this.onMessage(input.message);
      case 'protocol-error':
        return this.fail(`bad message from the phone: ${input.error.message}`, input.error.code);
      case 'device':
        return this.onDevice(input.device, input.context);
      case 'operation-begun':
        return this.state === 'begin' ? this.onOperationBegun() : this.ignored(input.type);
      case 'begin-failed':
        return this.state === 'begin' ? this.onBeginFailed(input.reason) : this.ignored(input.type);
      case 'signed':
        return this.state === 'signing' ? this.onSigned(input.certificate, input.certificateDer, input.notice) : this.ignored(input.type);
      case 'sign-failed':
        if (this.state !== 'signing') return this.ignored(input.type);
        if (input.code === 'PENDING') return this.onPending(input.reason);
        return input.code === 'CERTIFICATE_LIMIT' ? this.onCertificateLimit(input.reason) : this.fail(`the issuer did not sign: ${input.reason}`, input.code);
      case 'recorded':
        return this.state === 'recording' ? this.end(this.endReasonAfterRecord, 'operation recorded') : this.ignored(input.type);
      case 'store-failed':
        return this.onStoreFailed(input.reason);
      case 'timeout':
        return this.onTimeout();
      case 'abort':
        return this.state === 'recording' ? [] : this.fail(input.reason, 'ABORTED');
      case 'peer-closed':
        return this.onPeerClosed(input.reason);
    }
  }

  private start(): SessionAction[] {
    if (this.state !== 'new') return this.ignored('start');
    this.state = 'auth';
    return [this.send(Opcode.AuthRequest, [element.version(PROTOCOL_VERSION), element.authType(AuthType.None)]), { type: 'await-reply', timeout: 'message' }];
  }

  private onMessage(message: CapfMessage): SessionAction[] {
    if (message.sessionId !== this.sessionId) {
      const reason = `session id ${message.sessionId} in ${opcodeName(message.opcode)} does not match ${this.sessionId}`;
      const named = this.state === 'auth' && message.opcode === Opcode.AuthResponse ? namedDevice(message) : undefined;
      if (named === undefined) return this.fail(reason, 'SESSION_ID_MISMATCH');
      // The device is known by name: read it, so the failure lands on its status (and the log line names it).
      this.deviceName = named;
      this.failureBeforeLookup = { reason, code: 'SESSION_ID_MISMATCH' };
      this.state = 'lookup';
      return [{ type: 'lookup-device', deviceName: named }];
    }
    let fields: MessageFields;
    try {
      fields = readFields(message.elements);
    } catch (error) {
      if (error instanceof CapfError) return this.fail(`bad ${opcodeName(message.opcode)}: ${error.message}`, error.code);
      throw error;
    }
    const actions: SessionAction[] = [];
    if (fields.unknownTags.length > 0) {
      const device = this.deviceName ?? (fields.deviceName === undefined ? undefined : peerText(fields.deviceName));
      actions.push(this.log('warn', 'unknown-tags-skipped', { device, opcode: opcodeName(message.opcode), tags: peerList(fields.unknownTags) }));
    }
    if (message.opcode === Opcode.RequestInProgress && (this.state === 'keygen' || this.state === 'signing')) {
      this.inProgressCount += 1;
      if (this.inProgressCount > MAX_IN_PROGRESS) return this.fail(`more than ${MAX_IN_PROGRESS} REQUEST_IN_PROGRESS messages`, 'STALLING');
      if (this.state !== 'keygen') return actions;
      return [...actions, { type: 'await-reply', timeout: 'keygen', elapsedMs: Math.max(0, this.now().getTime() - this.keyRequestedAt) }];
    }
    const expected = this.expectedOpcode();
    if (expected === undefined || message.opcode !== expected) {
      const wanted = expected === undefined ? 'nothing' : opcodeName(expected);
      return this.fail(`unexpected ${opcodeName(message.opcode)} while waiting for ${wanted}`, 'UNEXPECTED_MESSAGE');
    }
    switch (this.state) {
      case 'auth':
        return [...actions, ...this.onAuthResponse(fields)];
      case 'keygen':
        return [...actions, ...this.onKeyResponse(fields)];
      case 'store':
        return [...actions, ...this.onStoreResponse(fields)];
      case 'fetch':
        return [...actions, ...this.onFetchResponse(fields)];
      default:
        return [...actions, ...this.onDeleteResponse(fields)];
    }
  }

  private onAuthResponse(fields: MessageFields): SessionAction[] {
    if (fields.version === undefined || !ACCEPTED_VERSIONS.includes(fields.version)) {
      return this.fail(`unsupported protocol version ${fields.version ?? '(missing)'}`, 'BAD_VERSION');
    }
    if (fields.deviceName === undefined) return this.fail('AUTH_RESPONSE has no DEVICE_NAME', 'NO_DEVICE_NAME');
    if (!isValidDeviceName(fields.deviceName)) return this.fail(`device name "${peerText(fields.deviceName)}" is not valid`, 'BAD_DEVICE_NAME');
    this.deviceName = fields.deviceName;
    this.authFields = fields;
    this.state = 'lookup';
    return [{ type: 'lookup-device', deviceName: fields.deviceName }];
  }

  private onDevice(device: Device | undefined, context: DeviceContext): SessionAction[] {
    if (this.state !== 'lookup') return this.ignored('device');
    if (this.failureBeforeLookup) return this.failKnownDevice(this.failureBeforeLookup, device, context);
    if (!device) return this.end(Reason.UnknownDevice, `no device named ${this.deviceName}`, 'warn');
    this.device = device;
    this.context = context;
    const locked = device.operation === 'none' ? undefined : lockedUntil(device, this.now());
    if (locked !== undefined) {
      // Locked after wrong strings: refused without comparing the string, and nothing written (the lock stands).
      this.authFailureCode = 'LOCKED';
      return this.fail(`the operation is locked after ${device.authFailures ?? 0} wrong authentication strings until ${locked}; the string was not checked`, 'LOCKED');
    }
    try {
      authenticate(device, this.authFields as MessageFields, { ...context, sessionId: this.sessionId, now: this.now() });
    } catch (error) {
      if (!(error instanceof CapfError)) throw error;
      this.authFailureCode = error.code;
      // The operation stays pending so the phone can try again with the right credentials; a wrong string is counted
      // (in the same write) and locks the operation at the limit.
      const pending = device.operation !== 'none';
      if (!pending) return this.failIdle(`authentication failed: ${error.message}`, error.code);
      const counted = AUTH_STRING_GUESS_CODES.has(error.code) ? (context.lockout ?? lockoutPolicy()) : undefined;
      return this.fail(`authentication failed: ${error.message}`, error.code, pending, counted);
    }
    if (device.operation === 'none') return this.end(Reason.NoAction, 'no pending operation', 'info');
    if (device.completesBy && Date.parse(device.completesBy) < this.now().getTime()) {
      // The phone hears why too: END_SESSION 0 carries the text in REASON_INFO (docs/protocol.md, "Expired operations").
      const expired = `operation expired at ${device.completesBy}: not carried out (re-arm it with a new deadline)`;
      this.endInfoAfterRecord = `operation ${device.operation} expired at ${device.completesBy}`;
      return this.recordThenEnd({ status: 'failed', reason: expired, keepOperation: false }, Reason.NoAction);
    }
    this.state = 'begin';
    return [{ type: 'begin-operation', deviceName: device.name, operationId: device.operationId }];
  }

  /** A failure found before the device was read: on its status when it has an operation pending. */
  private failKnownDevice(failure: { reason: string; code: string }, device: Device | undefined, context: DeviceContext): SessionAction[] {
    if (device) {
      this.device = device;
      this.context = context;
    }
    if (device !== undefined && device.operation === 'none') return this.failIdle(failure.reason, failure.code);
    return this.fail(failure.reason, failure.code, device !== undefined);
  }

  private onOperationBegun(): SessionAction[] {
    this.operationBegun = true;
    const device = this.device as Device;
    switch (device.operation) {
      case 'install':
        if (this.context?.waitingCertificate) return this.deliverWaiting(this.context.waitingCertificate);
        this.keyRequest = firstKeyRequest(device);
        return this.requestKey();
      case 'fetch':
        this.state = 'fetch';
        return [this.send(Opcode.FetchCertificateRequest, []), { type: 'await-reply', timeout: 'message' }];
      case 'delete':
        this.state = 'delete';
        return [this.send(Opcode.DeleteCertificateRequest, []), { type: 'await-reply', timeout: 'message' }];
      default:
        return this.end(Reason.NoAction, 'no pending operation', 'info');
    }
  }

  private requestKey(): SessionAction[] {
    const request = this.keyRequest as KeyRequest;
    const keyElements =
      request.keyType === 'rsa'
        ? [element.keySize(request.rsaBits), element.keyType(KeyType.Rsa)]
        : [element.keyType(KeyType.Ec), element.curve(CurveCode[request.curve])];
    this.state = 'keygen';
    this.keyRequestedAt = this.now().getTime();
    if (this.context?.keyDelivery === 'csr') {
      return [this.send(Opcode.SignCertificateRequest, [...keyElements, element.deviceName(this.deviceName as string)]), { type: 'await-reply', timeout: 'keygen' }];
    }
    return [this.send(Opcode.KeyGenerateRequest, keyElements), { type: 'await-reply', timeout: 'keygen' }];
  }

  private onKeyResponse(fields: MessageFields): SessionAction[] {
    const csrFlow = this.context?.keyDelivery === 'csr';
    const offered = csrFlow ? fields.csr : fields.publicKey;
    if (!offered) {
      const request = this.keyRequest as KeyRequest;
      if (request.keyType === 'ec' && this.device?.keyOrder === 'ec-rsa' && !this.triedRsaFallback) {
        this.triedRsaFallback = true;
        this.keyRequest = { ...request, keyType: 'rsa' };
        return [this.log('info', 'ec-key-refused-falling-back-to-rsa', { reason: fields.reason }), ...this.requestKey()];
      }
      const what = csrFlow
        ? `the phone cannot produce a CSR, which issuer ${this.context?.issuerName} needs; use the CAPF CA issuer (capf-software or capf-kms) for this device`
        : `the phone could not generate the ${describeRequest(request)} key`;
      return this.fail(`${what} (reason ${fields.reason ?? 'none'})`, csrFlow ? 'CSR_UNSUPPORTED' : 'KEYGEN_FAILED');
    }
    let spkiDer: Uint8Array;
    try {
      spkiDer = csrFlow ? parseCsr(offered, this.deviceName as string).spkiDer : offered;
      this.publicKey = describePublicKey(spkiDer);
    } catch (error) {
      if (error instanceof CapfError) return this.fail(`the phone's ${csrFlow ? 'CSR' : 'public key'} is not acceptable: ${error.message}`, error.code);
      throw error;
    }
    const mismatch = keyMismatch(this.keyRequest as KeyRequest, this.publicKey);
    if (mismatch) return this.fail(mismatch, 'KEY_MISMATCH');
    this.state = 'signing';
    const device = this.device as Device;
    return [
      {
        type: 'sign',
        deviceName: device.name,
        operationId: device.operationId,
        publicKeyDer: spkiDer,
        ...(csrFlow ? { csrDer: offered } : {}),
      },
    ];
  }

  /** The CA keeps the request (offline CA): the device shows pending with the reason and stays armed for the next session. */
  private onPending(reason: string): SessionAction[] {
    return [this.log('info', 'certificate-pending', { reason }), ...this.recordThenEnd({ status: 'pending', reason }, Reason.NoAction)];
  }

  /** The certificate an offline CA signed for the phone's earlier CSR: no key request, straight to STORE. */
  private deliverWaiting(waiting: NonNullable<DeviceContext['waitingCertificate']>): SessionAction[] {
    const spkiDer = certificatePublicKeyDer(waiting.certificateDer);
    if (!spkiDer) return this.fail('the imported certificate waiting for the phone has no readable public key', 'BAD_CERTIFICATE');
    // Recorded under the pending CSR's key hash: that is the issuance record the import completed.
    this.publicKey = { ...describePublicKey(spkiDer), sha256Hex: waiting.spkiSha256 };
    return [this.log('info', 'delivering-imported-certificate', { serialHex: waiting.certificate.serialHex }), ...this.onSigned(waiting.certificate, waiting.certificateDer)];
  }

  private onSigned(certificate: StoredCertificate, certificateDer: Uint8Array, notice?: string): SessionAction[] {
    this.certificate = certificate;
    this.certificateNotice = notice;
    this.state = 'store';
    return [
      ...(notice ? [this.log('warn', 'lsc-validity-capped', { serial: certificate.serialHex, notice })] : []),this.send(Opcode.StoreCertificateRequest, [element.certificateType(1), element.certificate(certificateDer, 1)]), { type: 'await-reply', timeout: 'message' }];
  }

  private onStoreResponse(fields: MessageFields): SessionAction[] {
    const spkiSha256 = (this.publicKey as PublicKeyDescription).sha256Hex;
    if (fields.reason !== Reason.UpdateCertificate) {
      // Unlike the reference, a refused store is not recorded as installed (scenario 18).
      const reason = `the phone did not store the certificate (reason ${fields.reason ?? 'none'})`;
      return [
        this.log('warn', 'store-refused', { reason: fields.reason }),
        ...this.recordThenEnd({ status: 'failed', reason, keepOperation: true }, Reason.InvalidElement, { spkiSha256, state: 'abandoned' }),
      ];
    }
    const note = this.certificateNotice ? { note: this.certificateNotice } : {};
    return this.recordThenEnd({ status: 'success', lsc: this.certificate, ...note }, Reason.UpdateCertificate, { spkiSha256, state: 'installed' });
  }

  private onFetchResponse(fields: MessageFields): SessionAction[] {
    if (fields.reason !== Reason.UpdateCertificate || !fields.certificate) {
      const reason = `the phone returned no certificate (reason ${fields.reason ?? 'none'})`;
      return this.recordThenEnd({ status: 'failed', reason, keepOperation: true }, Reason.NoAction);
    }
    let certificate;
    try {
      certificate = toStoredCertificate(fields.certificate.der);
    } catch (error) {
      if (error instanceof CapfError) return this.fail(`the fetched certificate is not valid: ${error.message}`, error.code);
      throw error;
    }
    const certificateType = fields.certificate.certificateType === 2 ? 'mic' : 'lsc';
    return this.recordThenEnd({ status: 'success', fetched: { certificate, certificateType, at: this.now().toISOString() } }, Reason.NoAction);
  }

  private onDeleteResponse(fields: MessageFields): SessionAction[] {
    if (fields.reason !== Reason.UpdateCertificate) {
      const reason = `the phone did not delete its LSC (reason ${fields.reason ?? 'none'})`;
      return this.recordThenEnd({ status: 'failed', reason, keepOperation: true }, Reason.UpdateCertificate);
    }
    return this.recordThenEnd({ status: 'success', lsc: null }, Reason.UpdateCertificate);
  }

  /** Issue 10: the operation has yielded its certificates; it ends (no longer pending) until an administrator re-arms it. */
  private onCertificateLimit(reason: string): SessionAction[] {
    const why = `CERTIFICATE_LIMIT: ${reason}`;
    return [
      this.log('warn', 'session-failed', { reason: why, code: 'CERTIFICATE_LIMIT', state: this.state }),
      ...this.recordThenEnd({ status: 'failed', reason: why, keepOperation: false }, Reason.InvalidElement),
    ];
  }

  /** The store could not be read or written (lookup or record): nothing more can be done safely. */
  private onStoreFailed(reason: string): SessionAction[] {
    return this.end(Reason.InvalidElement, `store failed during ${this.state}: ${reason}`, 'error');
  }

  /** Marking the operation in progress failed, yet a timed-out write may have landed: record the failure. */
  private onBeginFailed(reason: string): SessionAction[] {
    const why = `store failed during begin: ${reason}`;
    return [this.log('error', 'session-failed', { reason: why, code: 'STORE', state: this.state }), ...this.recordFailure(why)];
  }

  private onTimeout(): SessionAction[] {
    if (!PHONE_TURN.has(this.state)) return [];
    return this.fail(`the phone sent nothing in time while the server waited for ${opcodeName(this.expectedOpcode() ?? 0)}`, 'TIMEOUT');
  }

  private expectedOpcode(): number | undefined {
    if (this.state === 'keygen' && this.context?.keyDelivery === 'csr') return Opcode.SignCertificateResponse;
    return EXPECTED_OPCODE[this.state];
  }

  /** The phone left (or the connection broke) before the session ended: a failure like any other, logged once. */
  private onPeerClosed(reason?: string): SessionAction[] {
    this.peerGone = true;
    if (this.state === 'recording') return [];
    return reason
      ? this.fail(`the connection failed during ${this.state}: ${reason}`, 'CONNECTION_FAILED')
      : this.fail(`the phone closed the connection during ${this.state}`, 'PEER_CLOSED');
  }

  /**
   * Ends with END_SESSION 7, logged once. An operation already begun (or being begun: the write may land) records the
   * failure first, as does a failed authentication with `recordPending`; a certificate the phone was sent but did not
   * confirm is abandoned.
   */
  private fail(reason: string, code: string, recordPending = false, authFailure?: LockoutPolicy): SessionAction[] {
    const log = this.log('warn', 'session-failed', { reason, code, state: this.state });
    if ((this.operationBegun || this.state === 'begin' || recordPending) && this.device && this.state !== 'recording') {
      return [log, ...this.recordFailure(`${reason} (${code})`, authFailure)];
    }
    return [log, ...this.end(Reason.InvalidElement, reason, 'warn', false)];
  }

  /** A known device with no operation pending: the failure and its code go on its status (nothing else changes). */
  private failIdle(reason: string, code: string): SessionAction[] {
    const log = this.log('warn', 'session-failed', { reason, code, state: this.state });
    return [log, ...this.recordThenEnd({ status: 'idle-failure', reason: `${reason} (${code})` }, Reason.InvalidElement)];
  }

  private recordFailure(reason: string, authFailure?: LockoutPolicy): SessionAction[] {
    const spkiSha256 = this.publicKey?.sha256Hex;
    const issuance = spkiSha256 && this.certificate ? { spkiSha256, state: 'abandoned' as const } : undefined;
    return this.recordThenEnd({ status: 'failed', reason, keepOperation: true, ...(authFailure ? { authFailure } : {}) }, Reason.InvalidElement, issuance);
  }

  private recordThenEnd(outcome: OperationOutcome, endReason: number, issuance?: { spkiSha256: string; state: 'installed' | 'abandoned' }): SessionAction[] {
    const device = this.device as Device;
    this.state = 'recording';
    this.endReasonAfterRecord = endReason;
    return [{ type: 'record', deviceName: device.name, operationId: device.operationId, outcome, ...(issuance ? { issuance } : {}) }];
  }

  private end(reason: number, why: string, level: 'info' | 'warn' | 'error' = 'info', logIt = true): SessionAction[] {
    this.state = 'ended';
    const actions: SessionAction[] = [];
    if (logIt) actions.push(this.log(level, 'session-ended', { endReason: reason, why }));
    const info = reason === this.endReasonAfterRecord && this.endInfoAfterRecord ? [element.reasonInfo(this.endInfoAfterRecord)] : [];
    if (!this.peerGone) actions.push(this.send(Opcode.EndSession, [element.reason(reason), ...info]));
    actions.push({ type: 'close', reason: why });
    return actions;
  }

  private ignored(what: string): SessionAction[] {
    // Work started before the session failed may finish while its failure is recorded: expected, not worth a line.
    if (this.state === 'recording') return [];
    return [this.log('warn', 'input-ignored', { input: what, state: this.state })];
  }

  private send(opcode: number, elements: Element[]): SessionAction {
    return { type: 'send', opcode, bytes: encodeMessage(opcode, this.sessionId, elements) };
  }

  private log(level: 'info' | 'warn' | 'error', event: string, detail: Record<string, unknown>): SessionAction {
    return { type: 'log', level, event, detail: { sessionId: this.sessionId, device: this.deviceName, ...detail } };
  }
}

/** The DEVICE_NAME of a message, when it holds a valid one. */
function namedDevice(message: CapfMessage): string | undefined {
  try {
    const name = readFields(message.elements).deviceName;
    return name !== undefined && isValidDeviceName(name) ? name : undefined;
  } catch {
    return undefined;
  }
}

const EXPECTED_OPCODE: Partial<Record<State, number>> = {
  auth: Opcode.AuthResponse,
  keygen: Opcode.KeyGenerateResponse,
  store: Opcode.StoreCertificateResponse,
  fetch: Opcode.FetchCertificateResponse,
  delete: Opcode.DeleteCertificateResponse,
};

/** States in which the server waits for the phone (a timeout there ends the session). */
const PHONE_TURN: ReadonlySet<State> = new Set<State>(['auth', 'keygen', 'store', 'fetch', 'delete']);
