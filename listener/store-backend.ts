// SessionBackend over the store and a sign client: the same class serves the Fargate listener (DynamoDB + Lambda)
// and the local stack (dynalite + in-process signing). Parameters are cached briefly so changes apply without restarts.
import { randomUUID } from 'node:crypto';
import { pemToDer } from '../shared/pki/certificate.ts';
import type { SignClient } from '../shared/signing/sign-client.ts';
import { ConflictError, NotFoundError, StoreError } from '../shared/errors.ts';
import { toSignRequestJson, type SignResponse } from '../shared/signing/sign-messages.ts';
import type { Device } from '../shared/model.ts';
import { ParametersCache } from '../shared/domain/parameters-cache.ts';
import { lockoutPolicy } from '../shared/domain/auth-lockout.ts';
import { waitingImport } from '../shared/domain/offline-csrs.ts';
import { withEffectiveStates } from '../shared/domain/certificate-states.ts';
import type { KeyDelivery, OperationOutcome, ServiceParameters, Stores } from '../shared/ports/index.ts';
import type { IssuedCertificateFact } from '../shared/protocol/certificate-rules.ts';
import type { RecordAction, SessionBackend, SignOutcome } from './session-backend.ts';
import { addressBudget, type AddressBudget } from './address-limiter.ts';
import { PerKeyQueue } from './per-key-queue.ts';

/** A sign call that fails (throws: refusals are answers) is made once more with the same request. */
const SIGN_ATTEMPTS = 2;
/** A lost outcome would leave the device "in progress": a store failure writing it is retried. */
const RECORD_ATTEMPTS = 3;
const RETRY_DELAY_MS = 100;

const pause = (attempt: number) => new Promise<void>((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt + Math.floor(Math.random() * RETRY_DELAY_MS)));

export interface StoreBackendOptions {
  stores: Stores;
  signClient: SignClient;
  /** CAPF-trust: the CAPF CA plus any uploaded CA (MIC roots); read on each lookup through a short cache of its own. */
  trustAnchors: () => Promise<Uint8Array[]>;
  issuer: { name: string; keyDelivery: KeyDelivery };
  parametersCacheMs?: number;
  /** The deployment's key for authentication strings (they are stored as its HMAC); without it auth-string mode refuses. */
  authStringKey?: Uint8Array;
  /**
   * CAs this deployment signs LSCs with that the listener knows without the device's records (the local CAPF CA, the
   * CAPF certificate): a certificate they signed is an LSC, never a MIC, so one that is not the device's current LSC is
   * refused (CERTIFICATE_UNKNOWN) even when the device has no issuance records at all.
   */
  ownLscIssuers?: () => readonly Uint8Array[];
}

/** CA certificates taken from one device's records (far more than CA rotations ever give; the chain check caps anchors). */
const MAX_LSC_ISSUERS = 64;

/** Sessions whose device copy is kept between calls; a backstop only, as each entry goes when its session ends. */
const MAX_KNOWN_DEVICES = 10_000;

export class StoreSessionBackend implements SessionBackend {
  private readonly parametersCache: ParametersCache;
  /**
   * The device as each session last read or wrote it: the store's read-modify-write then skips its read (one round
   * trip less for begin and for record). A stale copy only costs the read it tried to save.
   */
  private readonly knownDevices = new Map<number, Device>();
  /** Device writes of this process take turns per device (see per-key-queue.ts). */
  private readonly deviceWrites = new PerKeyQueue();
  /** Sessions whose install began without markInProgress (see beginOperation); each goes when its session ends. */
  private readonly unwrittenBegins = new Set<number>();

  constructor(private readonly options: StoreBackendOptions) {
    this.parametersCache = new ParametersCache(options.stores.parameters, options.parametersCacheMs);
  }

  async lookupDevice(deviceName: string, sessionId: number) {
    // With the offline CA the device's CSRs come in the same round trip: an imported certificate waits for this session.
    const [device, parameters, trustAnchorsDer, csrs] = await Promise.all([
      this.options.stores.devices.get(deviceName),
      this.parameters(),
      this.options.trustAnchors(),
      this.options.issuer.name === 'offline' ? this.options.stores.csrs.listForDevice(deviceName) : [],
    ]);
    const waiting = waitingImport(device, csrs);
    if (device) this.remember(sessionId, device);
    const certificateAuth = device?.authMode === 'lsc-precedence' || device?.authMode === 'mic-precedence';
    return {
      device,
      context: {
        trustAnchorsDer,
        ...(certificateAuth ? await this.issuedCertificates(device) : {}),
        clockSkewMs: parameters.certificateClockSkewSeconds * 1000,
        acceptExpiredMic: parameters.acceptExpiredMic,
        requireNameMatch: parameters.requireCertificateNameMatch,
        lockout: lockoutPolicy(parameters),
        ...(this.options.authStringKey ? { authStringKey: this.options.authStringKey } : {}),
        keyDelivery: this.options.issuer.keyDelivery,
        issuerName: this.options.issuer.name,
        ...(waiting?.imported
          ? { waitingCertificate: { certificate: waiting.imported.certificate, certificateDer: pemToDer(waiting.imported.certificate.pem), spkiSha256: waiting.spkiSha256 } }
          : {}),
      },
    };
  }

  /**
   * What the device's issuance records say (issue 10): every certificate issued for it with its state, so a stale LSC
   * is refused with its reason, and the CAs that signed them. The states are read with the device this session just
   * read (issue 16: the record its lscIssuance names is its installed LSC, whatever the record says). In AWS the LSC
   * issuer (CA secret, KMS or PCA) is not the listener's TLS certificate, yet the current LSC must authenticate the
   * phone; an LSC from another cluster's CAPF stays untrusted (F18).
   */
  private async issuedCertificates(device: Device): Promise<{ issuedCertificates: IssuedCertificateFact[]; lscIssuersDer: Uint8Array[] }> {
    const records = (await this.options.stores.issuances.listForDevice(device.name)).filter((record) => record.certificate);
    const issuedCertificates = withEffectiveStates(records, device).map((record) => ({
      serialHex: record.certificate?.serialHex as string,
      sha256Fingerprint: record.certificate?.sha256Fingerprint as string,
      state: record.state,
    }));
    const chains = [...new Set(records.flatMap((record) => record.chainPem))].slice(0, MAX_LSC_ISSUERS);
    return { issuedCertificates, lscIssuersDer: [...chains.map((pem) => pemToDer(pem)), ...(this.options.ownLscIssuers?.() ?? [])] };
  }

  async beginOperation(deviceName: string, operationId: string, sessionId: number): Promise<void> {
    const known = this.knownDevices.get(sessionId);
    if (known?.name === deviceName && known.operationId === operationId && known.operation === 'install') {
      // Issue 16: an install is marked in progress by the sign service's count (one write instead of two); until the
      // phone's key comes, the device stays as it was (pending), and the outcome's write applies the begin itself.
      this.unwrittenBegins.add(sessionId);
      return;
    }
    const device = await this.deviceWrites.run(deviceName, () => this.options.stores.devices.markInProgress(deviceName, operationId, sessionId, known));
    this.remember(sessionId, device);
  }

  private remember(sessionId: number, device: Device): void {
    this.knownDevices.delete(sessionId);
    this.knownDevices.set(sessionId, device);
    if (this.knownDevices.size > MAX_KNOWN_DEVICES) this.knownDevices.delete(this.knownDevices.keys().next().value as number);
  }

  async sign(request: { sessionId: number; deviceName: string; operationId: string; publicKeyDer: Uint8Array; csrDer?: Uint8Array }): Promise<SignOutcome> {
    // One request for every attempt: when the call failed after the issuer had signed (a Lambda that timed out), the
    // repeat finds this key's issuance record and answers the same certificate instead of signing a second one.
    const signRequest = toSignRequestJson({
      requestId: `${request.sessionId}-${randomUUID()}`,
      sessionId: request.sessionId,
      deviceName: request.deviceName,
      operationId: request.operationId,
      publicKeyDer: request.publicKeyDer,
      ...(request.csrDer ? { csrDer: request.csrDer } : {}),
    });
    let response: SignResponse;
    for (let attempt = 1; ; attempt++) {
      try {
        response = await this.options.signClient.sign(signRequest);
        break;
      } catch (error) {
        if (attempt >= SIGN_ATTEMPTS) throw error;
        await pause(attempt);
      }
    }
    switch (response.status) {
      case 'issued':
        return { kind: 'issued', certificate: response.certificate, certificateDer: pemToDer(response.certificate.pem), ...(response.notice ? { notice: response.notice } : {}) };
      case 'pending':
        // Another signer still holds the key: a failed attempt (END 7, retried later), not a CA that keeps the request.
        if (response.busy) return { kind: 'refused', code: 'SIGNING_IN_PROGRESS', reason: response.message };
        return { kind: 'refused', code: 'PENDING', reason: `the CA has not issued the certificate yet (${response.message}); the phone's next session will receive it` };
      case 'refused':
        return { kind: 'refused', code: response.code, reason: response.reason };
    }
  }

  async record(action: RecordAction, sessionId: number): Promise<Device | undefined> {
    const known = this.knownDevices.get(sessionId);
    this.knownDevices.delete(sessionId);
    const begunBy = this.unwrittenBegins.delete(sessionId) ? sessionId : undefined;
    const outcome = withLscIssuance(action);
    const retired = retiredLsc(action, known);
    // Issue 16: an installed LSC's record is not written here. The outcome names it (lscIssuance), and a record its
    // device names is the installed LSC (shared/domain/certificate-states.ts); the expiry monitor writes installed on
    // it later. Only an abandoned certificate's record is written, and the LSC this one replaced (or the phone deleted).
    const issuanceWrite = action.issuance?.state === 'abandoned' ? action.issuance : undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        // The phone's answer is the truth: the LSC it replaced (or deleted) is retired whatever becomes of the device
        // write. Both state changes go together (one round trip of latency).
        await Promise.all([
          issuanceWrite ? this.options.stores.issuances.setState(this.issuanceKey(action, issuanceWrite.spkiSha256), issuanceWrite.state) : undefined,
          retired ? this.retire(action.deviceName, retired) : undefined,
        ]);
        const first = attempt === 1;
        return await this.deviceWrites.run(action.deviceName, () =>
          this.options.stores.devices.finishOperation(action.deviceName, action.operationId, outcome, first ? known : undefined, begunBy),
        );
      } catch (error) {
        if (error instanceof ConflictError) {
          const verdict = await this.afterConflict(action);
          if (verdict === 'settled') return undefined;
          if (verdict === 'refused' || attempt >= RECORD_ATTEMPTS) throw await this.installedUnnamed(action, error);
        } else if (!(error instanceof StoreError && error.code === 'STORE') || attempt >= RECORD_ATTEMPTS) {
          throw await this.installedUnnamed(action, error);
        }
        await pause(attempt);
      }
    }
  }

  private issuanceKey(action: RecordAction, spkiSha256: string) {
    return { deviceName: action.deviceName, operationId: action.operationId, spkiSha256 };
  }

  /**
   * The phone stored its LSC but the device will not name it (its operation was replaced meanwhile, or the store kept
   * failing): the record says installed itself, as the phone's answer is the truth. Off the hot path (failures only);
   * returns the error to throw, which stays the device write's.
   */
  private async installedUnnamed(action: RecordAction, error: unknown): Promise<unknown> {
    if (action.outcome.status !== 'success' || action.issuance?.state !== 'installed') return error;
    try {
      await this.options.stores.issuances.setState(this.issuanceKey(action, action.issuance.spkiSha256), 'installed');
    } catch {
      // The record stays issued: the device write's error is what the session reports.
    }
    return error;
  }

  /** Marks the device's previous LSC superseded or deleted; one already retired (or revoked, or unknown) stays as it is. */
  private async retire(deviceName: string, retired: { key: { operationId: string; spkiSha256: string }; state: 'superseded' | 'deleted' }): Promise<void> {
    try {
      await this.options.stores.issuances.setState({ deviceName, ...retired.key }, retired.state);
    } catch (error) {
      if (!(error instanceof ConflictError) && !(error instanceof NotFoundError)) throw error;
    }
  }

  /**
   * What a lost condition means for the outcome: 'settled' when nothing is left to write (the operation already ended
   * with it, as after a timed-out write that landed; or it is a failure of an operation that has since ended or been
   * replaced), 'contended' while the operation is still pending and other writers keep winning, else 'refused'.
   */
  private async afterConflict(action: RecordAction): Promise<'settled' | 'contended' | 'refused'> {
    const device = await this.options.stores.devices.get(action.deviceName);
    const ours = device !== undefined && device.operationId === action.operationId;
    if (ours && device.operation !== 'none') return 'contended';
    if (action.outcome.status !== 'success') return 'settled';
    return ours && sameSuccess(device, action.outcome) ? 'settled' : 'refused';
  }

  endSession(sessionId: number): void {
    this.knownDevices.delete(sessionId);
    this.unwrittenBegins.delete(sessionId);
  }

  /** Sessions whose device copy is held (live sessions only). */
  get trackedSessions(): number {
    return this.knownDevices.size;
  }

  keepAliveMinutes(): number | undefined {
    return this.parametersCache.latest?.keepAliveMinutes;
  }

  async ipv6Enabled(): Promise<boolean> {
    return (await this.parameters()).ipv6Enabled;
  }

  addressBudget(): AddressBudget | undefined {
    const latest = this.parametersCache.latest;
    return latest ? addressBudget(latest) : undefined;
  }

  private parameters(): Promise<ServiceParameters> {
    return this.parametersCache.get();
  }
}

/** An installed LSC's outcome names its issuance record, so the next install or delete can retire it. */
function withLscIssuance(action: RecordAction): OperationOutcome {
  const { outcome, issuance } = action;
  if (outcome.status !== 'success' || !outcome.lsc || issuance?.state !== 'installed') return outcome;
  return { ...outcome, lscIssuance: { operationId: action.operationId, spkiSha256: issuance.spkiSha256 } };
}

/** The record of the LSC this outcome replaces (a new install) or removes (a delete), from the device as the session knew it. */
function retiredLsc(action: RecordAction, known: Device | undefined): { key: { operationId: string; spkiSha256: string }; state: 'superseded' | 'deleted' } | undefined {
  const previous = known?.lscIssuance;
  if (!previous || action.outcome.status !== 'success') return undefined;
  if (action.outcome.lsc === null) return { key: previous, state: 'deleted' };
  const replaced = action.outcome.lsc && action.issuance?.state === 'installed';
  const same = previous.operationId === action.operationId && previous.spkiSha256 === action.issuance?.spkiSha256;
  return replaced && !same ? { key: previous, state: 'superseded' } : undefined;
}

/** The device already shows this success: same status, and the same LSC (or none, after a delete) or fetched certificate. */
function sameSuccess(device: Device, outcome: Extract<OperationOutcome, { status: 'success' }>): boolean {
  if (device.status !== 'success') return false;
  if (outcome.lsc !== undefined && device.lsc?.serialHex !== outcome.lsc?.serialHex) return false;
  return outcome.fetched === undefined || device.fetched?.certificate.serialHex === outcome.fetched.certificate.serialHex;
}
