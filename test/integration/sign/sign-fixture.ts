// A Stores on moto with its own table, a software CAPF CA issuer, and devices with an install operation.
import { createPrivateKey } from 'node:crypto';
import type { DeviceSettings, Issuer, IssueRequest, IssueResult, Stores } from '../../../shared/ports/index.ts';
import { CapfCaIssuer } from '../../../shared/issuers/capf-ca/index.ts';
import type { Device } from '../../../shared/model.ts';
import { createSoftwareSigner, generateCapfCa, type CapfCaMaterial } from '../../../shared/pki/index.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { motoClients, uniqueName } from '../issuers/moto-aws.ts';

export interface SignFixture {
  store: Stores;
  tableName: string;
  ca: CapfCaMaterial;
  issuer: CountingIssuer;
}

/** A real issuer that also counts how often it was asked to sign (the "never two certificates" evidence). */
export class CountingIssuer implements Issuer {
  calls = 0;
  constructor(private readonly inner: Issuer) {}
  get name(): string {
    return this.inner.name;
  }
  issue(request: IssueRequest): Promise<IssueResult> {
    this.calls++;
    return this.inner.issue(request);
  }
  describe() {
    return this.inner.describe();
  }
}

let sharedCa: Promise<CapfCaMaterial> | undefined;

export async function signFixture(): Promise<SignFixture> {
  const { dynamo } = motoClients();
  const tableName = uniqueName('capf-sign');
  await ensureTable(dynamo, tableName);
  const store = createDynamoStores({ client: dynamo, tableName });
  sharedCa ??= generateCapfCa({ commonName: 'CAPF-signtest' });
  const ca = await sharedCa;
  const issuer = new CountingIssuer(new CapfCaIssuer({ certificateDer: ca.certificateDer, signer: createSoftwareSigner(createPrivateKey(ca.privateKeyPem)) }));
  return { store, tableName, ca, issuer };
}

let deviceCounter = 0;

/** A fresh SEP device with a pending install operation (RSA 2048 unless overridden). */
export async function installDevice(store: Stores, overrides: Partial<DeviceSettings> = {}): Promise<Device> {
  deviceCounter++;
  const name = `SEP${(Date.now() % 0xffffff).toString(16).toUpperCase().padStart(6, '0')}${deviceCounter.toString(16).toUpperCase().padStart(6, '0')}`;
  return store.devices.put(
    { name, operation: 'install', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256', ...overrides },
    { newOperation: true },
  );
}
