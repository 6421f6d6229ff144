// What a session needs from the rest of the system, as one interface: the listener drives sessions against it, and
// each deployment wires it to its adapters (DynamoDB + Lambda in AWS, dynalite + in-process signing locally).
import type { Device, StoredCertificate } from '../shared/model.ts';
import type { DeviceContext, SessionAction } from '../shared/protocol/session.ts';
import type { AddressBudget } from './address-limiter.ts';

/** What signing gave the session: the certificate in its stored form and, for the wire, its DER. */
export type SignOutcome =
  | { kind: 'issued'; certificate: StoredCertificate; certificateDer: Uint8Array; notice?: string }
  | { kind: 'refused'; code: string; reason: string };

export type RecordAction = Extract<SessionAction, { type: 'record' }>;

export interface SessionBackend {
  lookupDevice(deviceName: string, sessionId: number): Promise<{ device: Device | undefined; context: DeviceContext }>;
  beginOperation(deviceName: string, operationId: string, sessionId: number): Promise<void>;
  sign(request: { sessionId: number; deviceName: string; operationId: string; publicKeyDer: Uint8Array; csrDer?: Uint8Array }): Promise<SignOutcome>;
  /** Writes the outcome; resolves with the device as written when this call wrote it (a lock shows there). */
  record(action: RecordAction, sessionId: number): Promise<Device | undefined>;
  /** F16: read fresh so a parameter change applies without a restart. */
  ipv6Enabled(): Promise<boolean>;
  /**
   * The per-address failure budget from the parameters last read (each session's lookup reads them, so they are as
   * current as that session's); undefined before any read. Synchronous: no store call of its own.
   */
  addressBudget?(): AddressBudget | undefined;
  /** F14: the keepalive parameter in minutes as the sessions last read it; undefined before the first read. */
  keepAliveMinutes?(): number | undefined;
  /** The session has ended and its calls have settled: whatever the backend kept for it can go. */
  endSession?(sessionId: number): void;
}
