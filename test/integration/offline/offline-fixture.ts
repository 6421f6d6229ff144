// The offline CA on the run's moto_server: an S3 CSR bucket, the store table, the offline issuer built through the
// registry as the sign function builds it, the sign service over it, an importer, and a phone that makes CSRs.
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { createDynamoClient } from '../../../cli/local/local-store.ts';
import { buildCsr, generatePhoneKey, type PhoneKey } from '../../../cli/phone/phone-keys.ts';
import { loadSignConfig } from '../../../shared/config/index.ts';
import { createIssuer } from '../../../shared/issuers/index.ts';
import { CertificateImporter } from '../../../shared/issuers/offline/certificate-import.ts';
import { S3CsrBucket } from '../../../shared/issuers/offline/s3-csr-bucket.ts';
import type { Device } from '../../../shared/model.ts';
import { derToPem, pemToDer } from '../../../shared/pki/index.ts';
import type { Issuer, Stores } from '../../../shared/ports/index.ts';
import { SignService, type SignResponse } from '../../../shared/signing/index.ts';
import { createDynamoStores, ensureTable } from '../../../shared/store/dynamo-stores.ts';
import { MemoryAudit } from '../../support/memory-audit.ts';

export interface OfflineFixture {
  s3: S3Client;
  bucketName: string;
  tableName: string;
  bucket: S3CsrBucket;
  stores: Stores;
  issuer: Issuer;
  signService: SignService;
  audit: MemoryAudit;
  /** CAPF-trust as the importer reads it; tests push the external CA's root. */
  trust: string[];
  importer(now?: () => Date): CertificateImporter;
  device(name?: string): Promise<Device>;
  /** A phone's CSR for the device: its key and the PEM. */
  phoneCsr(deviceName: string): Promise<{ key: PhoneKey; csrDer: Uint8Array; csrPem: string }>;
  sign(device: Device, csr: { key: PhoneKey; csrDer: Uint8Array }): Promise<SignResponse>;
  upload(key: string, body: Uint8Array | string): Promise<void>;
  readText(key: string): Promise<string | undefined>;
  keys(prefix: string): Promise<string[]>;
  metadata(key: string): Promise<Record<string, string>>;
}

export function motoS3(): S3Client {
  return new S3Client({ endpoint: inject('motoEndpoint'), region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true });
}

export function deviceName(): string {
  return `SEP${randomBytes(6).toString('hex').toUpperCase()}`;
}

export async function offlineFixture(): Promise<OfflineFixture> {
  const s3 = motoS3();
  const bucketName = `capf-csr-${randomBytes(5).toString('hex')}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucketName }));
  const dynamo = createDynamoClient(inject('motoEndpoint'));
  const tableName = `offline-${randomBytes(5).toString('hex')}`;
  await ensureTable(dynamo, tableName);
  const stores = createDynamoStores({ client: dynamo, tableName });
  const issuer = await createIssuer(loadSignConfig({ CAPF_TABLE: tableName, CAPF_ISSUER: 'offline', CAPF_CSR_BUCKET: bucketName }), { s3 }, { pendingCsrs: stores.csrs });
  const bucket = new S3CsrBucket(s3, bucketName);
  const audit = new MemoryAudit();
  const trust: string[] = [];
  return {
    s3,
    bucketName,
    tableName,
    bucket,
    stores,
    issuer,
    signService: new SignService({ stores, issuer }),
    audit,
    trust,
    importer: (now) =>
      new CertificateImporter({ csrs: stores.csrs, issuances: stores.issuances, audit, bucket, trustAnchors: () => Promise.resolve(trust.map((pem) => pemToDer(pem))), ...(now ? { now } : {}) }),
    device: (name = deviceName()) =>
      stores.devices.put({ name, operation: 'install', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true }),
    async phoneCsr(name) {
      const key = await generatePhoneKey({ keyType: 'rsa', bits: 2048 });
      const csrDer = await buildCsr(key, name);
      return { key, csrDer, csrPem: derToPem(csrDer, 'CERTIFICATE REQUEST') };
    },
    sign: (device, csr) =>
      new SignService({ stores, issuer }).sign({
        requestId: `req-${randomBytes(6).toString('hex')}`,
        deviceName: device.name,
        operationId: device.operationId,
        publicKeyDer: csr.key.spkiDer,
        csrDer: csr.csrDer,
      }),
    async upload(key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucketName, Key: key, Body: body }));
    },
    async readText(key) {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: key }));
        return await out.Body?.transformToString();
      } catch {
        return undefined;
      }
    },
    async keys(prefix) {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: bucketName, Prefix: prefix }));
      return (out.Contents ?? []).map((entry) => entry.Key as string).sort();
    },
    async metadata(key) {
      return (await s3.send(new HeadObjectCommand({ Bucket: bucketName, Key: key }))).Metadata ?? {};
    },
  };
}
