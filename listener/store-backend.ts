// SessionBackend over the store and a sign client: the same class serves the Fargate listener (DynamoDB + Lambda)
// and the local stack (dynalite + in-process signing). Parameters are cached briefly so changes apply without restarts.
import { randomUUID } from 'node:crypto';
import { pemToDer } from '../shared/pki/certificate.ts';
import type { SignClient } from '../shared/signing/sign-client.ts';
import { ConflictError, StoreError } from '../shared/errors.ts';
import { toSignRequestJson, type SignResponse } from '../shared/signing/sign-messages.ts';
import type { Device } from '../shared/model.ts';
import { ParametersCache } from '../shared/domain/parameters-cache.ts';
import { lockoutPolicy } from '../shared/domain/auth-lockout.ts';
import { waitingImport } from '../shared/domain/offline-csrs.ts';
import type { KeyDelivery, OperationOutcome, ServiceParameters, Stores } from '../shared/ports/index.ts';
import type { RecordAction, SessionBackend, SignOutcome } from './session-backend.ts';
import { addressBudget, type AddressBudget } from './address-limiter.ts';

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
}

/** Sessions whose device copy is kept between calls; a backstop only, as each entry goes when its session ends. */
const MAX_KNOWN_DEVICES = 10_000;

export class StoreSessionBackend implements SessionBackend {
  private readonly parametersCache: ParametersCache;
  /**
   * The device as each session last read or wrote it: the store's read-modify-write then skips its read (one round
   * trip less for begin and for record). A stale copy only costs the read it tried to save.
   */
  private readonly knownDevices = new Map<number, Device>();

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
        trustAnchorsDer: certificateAuth ? [...trustAnchorsDer, ...(await this.issuingCas(deviceName))] : trustAnchorsDer,
        requireNameMatch: parameters.requireCertificateNameMatch,
        lockout: lockoutPolicy(parameters),
        keyDelivery: this.options.issuer.keyDelivery,
        issuerName: this.options.issuer.name,
        ...(waiting?.imported
          ? { waitingCertificate: { certificate: waiting.imported.certificate, certificateDer: pemToDer(waiting.imported.certificate.pem), spkiSha256: waiting.spkiSha256 } }
          : {}),
      },
    };
  }

  /**
   * The CAs that signed this device's installed LSCs, as the sign service recorded them. In AWS the LSC issuer (CA
   * secret, KMS or PCA) is not the listener's TLS certificate, yet an LSC we issued must authenticate the phone later;
   * an LSC from another cluster's CAPF stays untrusted (F18).
   */
  private async issuingCas(deviceName: string): Promise<Uint8Array[]> {
    const records = await this.options.stores.issuances.listForDevice(deviceName);
    const chains = records.filter((record) => record.state === 'installed').flatMap((record) => record.chainPem);
    return [...new Set(chains)].map((pem) => pemToDer(pem));
  }

  async beginOperation(deviceName: string, operationId: string, sessionId: number): Promise<void> {
    this.remember(sessionId, await this.options.stores.devices.markInProgress(deviceName, operationId, sessionId, this.knownDevices.get(sessionId)));
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
        return { kind: 'issued', certificate: response.certificate, certificateDer: pemToDer(response.certificate.pem) };
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
    for (let attempt = 1; ; attempt++) {
      try {
        if (action.issuance) {
          await this.options.stores.issuances.setState({ deviceName: action.deviceName, operationId: action.operationId, spkiSha256: action.issuance.spkiSha256 }, action.issuance.state);
        }
        return await this.options.stores.devices.finishOperation(action.deviceName, action.operationId, action.outcome, attempt === 1 ? known : undefined);
      } catch (error) {
        if (error instanceof ConflictError) {
          const verdict = await this.afterConflict(action);
          if (verdict === 'settled') return undefined;
          if (verdict === 'refused' || attempt >= RECORD_ATTEMPTS) throw error;
        } else if (!(error instanceof StoreError && error.code === 'STORE') || attempt >= RECORD_ATTEMPTS) {
          throw error;
        }
        await pause(attempt);
      }
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

/** The device already shows this success: same status, and the same LSC (or none, after a delete) or fetched certificate. */
function sameSuccess(device: Device, outcome: Extract<OperationOutcome, { status: 'success' }>): boolean {
  if (device.status !== 'success') return false;
  if (outcome.lsc !== undefined && device.lsc?.serialHex !== outcome.lsc?.serialHex) return false;
  return outcome.fetched === undefined || device.fetched?.certificate.serialHex === outcome.fetched.certificate.serialHex;
}
