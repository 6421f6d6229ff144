// The domain of signing, shared by the sign Lambda and the local stack. The same (device, operation, public key) never
// gets two certificates (F15): the first request claims the key on the device item (one write that also checks the
// operation, counts the certificate and marks the device in progress), signs and writes the key's issuance record; a
// retry finds the record and answers with the same certificate; a concurrent duplicate waits for the record (or takes
// over a claim whose lease ran out because its signer died).
import { randomBytes } from 'node:crypto';
import { CapfError, ConflictError, IssuerError } from '../errors.ts';
import { canPollPending, type IssuanceRecord, type Issuer, type IssueResult, type Stores } from '../ports/index.ts';
import { isValidDeviceName, type Device } from '../model.ts';
import { certificateHasKey, derToPem, describePublicKey, toStoredCertificate, type PublicKeyDescription } from '../pki/index.ts';
import { ParametersCache } from '../domain/parameters-cache.ts';
import type { SignRequest, SignResponse } from './sign-messages.ts';

/** The stores signing uses: the sign function builds only these, so its cold start loads no other store's code. */
export type SignStores = Pick<Stores, 'devices' | 'issuances' | 'parameters'>;

export interface SignServiceOptions {
  stores: SignStores;
  issuer: Issuer;
  now?: () => Date;
  /** How long a claim protects a signer (default 30 s): longer than the slowest issue(), shorter than a phone's retry. */
  leaseMs?: number;
  /** Longest time a duplicate request waits for another signer before answering pending (default 20 s). */
  maxWaitMs?: number;
  /** F17: only FIPS-approved phone keys (RSA ≥ 2048, EC). */
  fipsMode?: boolean;
  /** How long a read of the service parameters (the LSC validity) is reused; default 5 s, as in the listener. */
  parametersCacheMs?: number;
}

type IssuanceKey = { deviceName: string; operationId: string; spkiSha256: string };

const refused = (code: string, reason: string): SignResponse => ({ status: 'refused', code, reason });

const DAY_MS = 86_400_000;

/** Issue 10: an LSC never outlives its CA; when the validity asked for was cut short, the answer says so. */
function withCapNotice(answer: Extract<SignResponse, { status: 'issued' }>, validityDays: number): SignResponse {
  const { notBefore, notAfter } = answer.certificate;
  const granted = Date.parse(notAfter) - Date.parse(notBefore);
  if (granted >= validityDays * DAY_MS - 1000) return answer;
  return { ...answer, notice: `validity capped at the issuing CA's notAfter ${notAfter} (${validityDays} days were asked)` };
}

/** Issue 10: a new key past maxCertificatesPerOperation. */
function limitReached(request: SignRequest, counted: number | undefined, limit: number): SignResponse {
  return refused(
    'CERTIFICATE_LIMIT',
    `operation ${request.operationId} of ${request.deviceName} has yielded ${counted ?? limit} certificates, its limit (maxCertificatesPerOperation ${limit}); an administrator must re-arm the device`,
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polling backoff while another request signs: 25 ms doubling to 1 s. */
const POLL_FIRST_MS = 25;
const POLL_MAX_MS = 1_000;
/** How many times one request may try to claim (first claim + takeovers of expired leases). */
const MAX_CLAIM_ROUNDS = 3;

export class SignService {
  private readonly stores: SignStores;
  private readonly issuer: Issuer;
  private readonly now: () => Date;
  private readonly leaseMs: number;
  private readonly maxWaitMs: number;
  private readonly fipsMode: boolean;
  private readonly parameters: ParametersCache;

  constructor(options: SignServiceOptions) {
    this.stores = options.stores;
    this.issuer = options.issuer;
    this.now = options.now ?? (() => new Date());
    this.leaseMs = options.leaseMs ?? 30_000;
    this.maxWaitMs = options.maxWaitMs ?? 20_000;
    this.fipsMode = options.fipsMode ?? false;
    this.parameters = new ParametersCache(this.stores.parameters, options.parametersCacheMs, () => this.now().getTime());
  }

  /**
   * Signs (or finds) the certificate for the request. Refusals are answers; a store or issuer failure throws (typed),
   * leaving at most a reservation that expires with its lease.
   */
  async sign(request: SignRequest): Promise<SignResponse> {
    if (!isValidDeviceName(request.deviceName)) {
      return refused('INVALID_DEVICE_NAME', `device name ${JSON.stringify(request.deviceName.slice(0, 64))} is not a valid device name`);
    }
    let key: PublicKeyDescription;
    try {
      key = describePublicKey(request.publicKeyDer);
    } catch (error) {
      if (error instanceof CapfError) return refused(error.code, error.message);
      throw error;
    }
    // Read before claiming: a store failure here must not leave a claim that blocks a retry until its lease ends.
    const parameters = await this.parameters.get();
    const issuanceKey: IssuanceKey = { deviceName: request.deviceName, operationId: request.operationId, spkiSha256: key.sha256Hex };
    // Each call claims under its own id: the store lets a claim be renewed by the same id, and two deliveries of one
    // request (a retried invocation, a duplicated message) must not both sign.
    const claimId = `${request.requestId}~${randomBytes(6).toString('hex')}`;
    const deadline = this.now().getTime() + this.maxWaitMs;
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
      // One write on the device: the operation still pending, the key claimed and counted, the device in progress.
      const claim = await this.stores.devices.claimKey(request.deviceName, request.operationId, {
        spkiSha256: key.sha256Hex,
        requestId: claimId,
        leaseMs: this.leaseMs,
        limit: parameters.maxCertificatesPerOperation,
        ...(request.sessionId !== undefined ? { sessionId: request.sessionId } : {}),
      });
      if (claim.verdict === 'limit') return limitReached(request, claim.device.certificatesIssued, parameters.maxCertificatesPerOperation);
      const problem = this.checkDevice(request, claim.device, key);
      if (claim.verdict === 'not-pending') return problem ?? refused('OPERATION_CHANGED', `the operation of ${request.deviceName} is no longer its pending install`);
      if (claim.verdict === 'claimed') {
        // A lapsed claim taken over: its signer may have recorded the key before it died (or stalled).
        const stored = claim.takeover ? await this.stores.issuances.get(issuanceKey) : undefined;
        if (problem) {
          // Nothing is signed: the claim and its count go, so a refusal leaves no record behind.
          if (!stored) await this.stores.devices.releaseKey(request.deviceName, request.operationId, key.sha256Hex, claimId);
          return problem;
        }
        if (stored && stored.state !== 'reserved') return this.answerStored(stored, request.publicKeyDer);
        return this.issueClaimed(request, this.newRecord(issuanceKey, claimId), parameters.lscValidityDays);
      }
      // Another request holds the key (a duplicate, a retry, a pending request asked again): it counted the key, so
      // nothing is counted here, but the device must still have this install pending.
      if (problem) return problem;
      const settled = await this.waitForRecord(issuanceKey, claim.leaseUntil, deadline);
      if (settled) return this.answerStored(settled, request.publicKeyDer);
      if (this.now().getTime() >= deadline) break;
      // The holder's lease ran out without a record: loop to take it over.
    }
    return { status: 'pending', message: 'another request is signing this key for this device; retry shortly to receive the same certificate', busy: true };
  }

  /** What a claimant writes once its issuer answered (complete or abandon turn it into the key's record). */
  private newRecord(key: IssuanceKey, requestId: string): IssuanceRecord {
    return { ...key, requestId, state: 'reserved', chainPem: [], issuer: this.issuer.name, createdAt: this.now().toISOString() };
  }

  /** The answer a stored record gives; a CA that queued the request is asked again. */
  private answerStored(record: IssuanceRecord, publicKeyDer: Uint8Array): Promise<SignResponse> | SignResponse {
    return record.state === 'pending' ? this.pollPending(record, publicKeyDer) : this.answerFromRecord(record);
  }

  private checkDevice(request: SignRequest, device: Device | undefined, key: PublicKeyDescription): SignResponse | undefined {
    if (!device) return refused('UNKNOWN_DEVICE', `device ${request.deviceName} is not configured`);
    if (device.operationId !== request.operationId) {
      return refused('OPERATION_CHANGED', `the operation of ${request.deviceName} changed since the session started; the phone must start again`);
    }
    if (device.operation !== 'install') {
      return refused('NO_INSTALL_OPERATION', `device ${request.deviceName} has no install/upgrade operation pending (operation: ${device.operation})`);
    }
    if (device.completesBy && Date.parse(device.completesBy) < this.now().getTime()) {
      return refused('OPERATION_EXPIRED', `the operation of ${request.deviceName} had to complete by ${device.completesBy}`);
    }
    // F9: the key must be what the device was asked for (the ec-rsa order accepts the RSA backup).
    const wanted = device.keyOrder === 'ec-rsa' ? ['ec', 'rsa'] : [device.keyOrder];
    if (!wanted.includes(key.keyType)) {
      return refused('KEY_MISMATCH', `device ${request.deviceName} is set to key order ${device.keyOrder}, but the phone sent an ${key.keyType.toUpperCase()} key`);
    }
    if (key.keyType === 'rsa' && key.rsaBits !== device.rsaKeySize) {
      return refused('KEY_MISMATCH', `device ${request.deviceName} is set to RSA ${device.rsaKeySize}, but the phone sent RSA ${key.rsaBits}`);
    }
    if (key.keyType === 'ec' && key.curve !== device.curve) {
      return refused('KEY_MISMATCH', `device ${request.deviceName} is set to ${device.curve}, but the phone sent ${key.curve}`);
    }
    if (this.fipsMode && key.keyType === 'rsa' && (key.rsaBits ?? 0) < 2048) {
      return refused('FIPS_KEY', `FIPS mode (F17) accepts RSA keys of 2048 bits or more, not ${key.rsaBits}`);
    }
    return undefined;
  }

  private async issueClaimed(request: SignRequest, reservation: IssuanceRecord, validityDays: number): Promise<SignResponse> {
    const result: IssueResult = await this.issuer.issue({
      requestId: request.requestId,
      deviceName: request.deviceName,
      operationId: request.operationId,
      publicKeyDer: request.publicKeyDer,
      ...(request.csrDer ? { csrDer: request.csrDer } : {}),
      validityDays,
    });
    const answer = await this.settle(reservation, result, request.publicKeyDer);
    return answer.status === 'issued' ? withCapNotice(answer, validityDays) : answer;
  }

  /** Stores what the issuer answered for a reserved (or pending) record and turns it into the answer. */
  private async settle(record: IssuanceRecord, result: IssueResult, publicKeyDer: Uint8Array): Promise<SignResponse> {
    switch (result.kind) {
      case 'issued': {
        if (!certificateHasKey(result.certificateDer, publicKeyDer)) {
          throw new IssuerError(`issuer ${this.issuer.name} returned a certificate for another public key`, 'ISSUER_WRONG_KEY');
        }
        const stored = await this.complete({
          ...record,
          state: 'issued',
          certificate: toStoredCertificate(result.certificateDer),
          chainPem: result.chainDer.map((der) => derToPem(der)),
        });
        return this.answerFromRecord(stored);
      }
      case 'pending':
        if (record.state !== 'pending' || record.pendingHandle !== result.handle) {
          await this.complete({ ...record, state: 'pending', pendingHandle: result.handle });
        }
        return { status: 'pending', message: result.message };
      case 'refused':
        // The same key would be refused again: close the record so duplicates get the refusal too, not a wait.
        return this.abandon(record, refused(result.code, result.reason));
    }
  }

  /** Abandons the claim; when another signer took the record over meanwhile, its settled outcome is the answer. */
  private async abandon(record: IssuanceRecord, refusal: SignResponse): Promise<SignResponse> {
    try {
      await this.stores.issuances.abandon(record);
      return refusal;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const stored = await this.stores.issuances.get(record);
      return stored && stored.state !== 'reserved' ? this.answerFromRecord(stored) : refusal;
    }
  }

  /** A CA that queued the request (online CA awaiting approval): ask it again, and store the certificate if it came. */
  private async pollPending(record: IssuanceRecord, publicKeyDer: Uint8Array): Promise<SignResponse> {
    if (!record.pendingHandle || record.issuer !== this.issuer.name || !canPollPending(this.issuer)) return this.answerFromRecord(record);
    return this.settle(record, await this.issuer.fetchPending(record.pendingHandle), publicKeyDer);
  }

  /**
   * Writes the key's record, translating a lost race (a signer that took over our lapsed claim, or whose lapsed claim
   * we took over, recorded the key first) into the stored outcome: its certificate is the key's, ours is discarded.
   */
  private async complete(record: IssuanceRecord): Promise<IssuanceRecord> {
    try {
      return await this.stores.issuances.complete(record);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const stored = await this.stores.issuances.get(record);
      if (stored && stored.state !== 'reserved') return stored;
      throw new IssuerError(`the key of ${record.deviceName} was recorded by another request while signing; the certificate was discarded`, 'LEASE_LOST');
    }
  }

  /**
   * Polls the key's record with backoff while another request holds the key: the record once written (a record an
   * earlier version left reserved counts as not written), or undefined once the holder's lease or the deadline passes.
   */
  private async waitForRecord(key: IssuanceKey, leaseUntil: string, deadline: number): Promise<IssuanceRecord | undefined> {
    const leaseEnd = Date.parse(leaseUntil);
    let delay = POLL_FIRST_MS;
    for (;;) {
      const stored = await this.stores.issuances.get(key);
      if (stored && stored.state !== 'reserved') return stored;
      const now = this.now().getTime();
      if (now >= leaseEnd || now >= deadline) return undefined;
      await sleep(Math.min(delay, leaseEnd - now, deadline - now) + 1);
      delay = Math.min(delay * 2, POLL_MAX_MS);
    }
  }

  private answerFromRecord(record: IssuanceRecord): SignResponse {
    switch (record.state) {
      case 'issued':
      case 'installed':
        if (!record.certificate) throw new IssuerError(`issuance record of ${record.deviceName} is ${record.state} but holds no certificate`, 'ISSUANCE_CORRUPT');
        return { status: 'issued', certificate: record.certificate, chainPem: record.chainPem };
      case 'pending':
        return { status: 'pending', message: `the CA has not issued the certificate yet (request ${record.pendingHandle ?? 'unknown'})` };
      case 'abandoned':
        return refused('ISSUANCE_ABANDONED', `an earlier request for this key was refused or abandoned; the phone must generate a new key, or an administrator must restart the operation`);
      case 'superseded':
      case 'deleted':
      case 'revoked':
      case 'expired':
        return refused('ISSUANCE_CLOSED', `the certificate already issued for this key is ${record.state}; the phone must generate a new key`);
      case 'reserved':
        return { status: 'pending', message: 'another request is signing this key for this device; retry shortly to receive the same certificate', busy: true };
    }
  }
}
