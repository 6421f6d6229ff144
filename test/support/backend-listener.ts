// A CAPF listener on 127.0.0.1 wired to any issuer: DynamoDB store (moto or dynalite), the sign service in-process,
// and a CAPF TLS certificate of its own. Integration tests enrol simulated phones through it, one backend at a time.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { issuerDescriptor } from '../../shared/issuers/registry.ts';
import { MemoryLogger } from '../../shared/logging.ts';
import { generateCapfCa, pemToDer, type CapfCaMaterial } from '../../shared/pki/index.ts';
import type { Issuer, Stores } from '../../shared/ports/index.ts';
import { SignService } from '../../shared/signing/sign-service.ts';
import { InProcessSignClient } from '../../functions/sign/in-process-client.ts';
import { createDynamoStores, ensureTable } from '../../shared/store/dynamo-stores.ts';
import { CapfListener } from '../../listener/server.ts';
import type { SessionSummary } from '../../listener/session-driver.ts';
import { StoreSessionBackend } from '../../listener/store-backend.ts';
import { runPhone } from '../../cli/phone/simulator.ts';
import type { PhoneOptions, PhoneResult } from '../../cli/phone/types.ts';

export interface BackendListener {
  store: Stores;
  tls: CapfCaMaterial;
  logger: MemoryLogger;
  phone(deviceName: string, options?: Partial<PhoneOptions>): Promise<PhoneResult>;
  close(): Promise<void>;
}

let tlsMaterial: Promise<CapfCaMaterial> | undefined;

export async function startBackendListener(options: {
  dynamo: DynamoDBClient;
  tableName: string;
  issuer: Issuer;
  onSessionEnd?: (summary: SessionSummary) => void;
  /** The listener's own client (as its task role is in AWS); the sign service and `store` use `dynamo`. */
  listenerDynamo?: DynamoDBClient;
}): Promise<BackendListener> {
  await ensureTable(options.dynamo, options.tableName);
  const store = createDynamoStores({ client: options.dynamo, tableName: options.tableName });
  const listenerStore = options.listenerDynamo ? createDynamoStores({ client: options.listenerDynamo, tableName: options.tableName }) : store;
  tlsMaterial ??= generateCapfCa({ commonName: 'CAPF-backendtest' });
  const tls = await tlsMaterial;
  const description = await options.issuer.describe();
  const logger = new MemoryLogger();
  const listener = new CapfListener({
    hosts: ['127.0.0.1'],
    port: 0,
    tls,
    logger,
    messageTimeoutMs: 5_000,
    ...(options.onSessionEnd ? { onSessionEnd: options.onSessionEnd } : {}),
    backend: new StoreSessionBackend({
      stores: listenerStore,
      signClient: new InProcessSignClient(new SignService({ stores: store, issuer: options.issuer })),
      trustAnchors: async () => [pemToDer(tls.certificatePem)],
      issuer: { name: description.name, keyDelivery: issuerDescriptor(description.name).keyDelivery },
    }),
  });
  const [address] = await listener.start();
  const port = address?.port as number;
  return {
    store,
    tls,
    logger,
    phone: (deviceName, phoneOptions = {}) => runPhone({ host: '127.0.0.1', port, deviceName, caPem: tls.certificatePem, timeoutMs: 30_000, ...phoneOptions }),
    close: () => listener.drain(1_000),
  };
}
