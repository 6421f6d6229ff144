// CsrBucket on S3 (AWS, moto_server, the local stack's s3rver): CSRs under csr/, certificates administrators drop
// under signed/, reports beside them. Bodies are bounded before they are read.
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { StoreError, ValidationError } from '../../errors.ts';
import type { CsrBucket, CsrMetadata, CsrObject } from '../../ports/index.ts';

/** Keys listed per page; listings past `limit` stop early. */
const PAGE = 1000;

function hasName(err: unknown, ...names: string[]): boolean {
  return typeof err === 'object' && err !== null && names.includes((err as { name?: string }).name ?? '');
}

function failure(what: string, err: unknown): StoreError {
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new StoreError(`${what} failed (${detail})`, 'BUCKET', { cause: err });
}

export class S3CsrBucket implements CsrBucket {
  constructor(
    private readonly client: S3Client,
    readonly bucketName: string,
  ) {}

  async putCsr(key: string, csrPem: string, metadata: CsrMetadata): Promise<void> {
    await this.put(key, csrPem, 'application/pkcs10', {
      device: metadata.deviceName,
      'operation-id': metadata.operationId,
      'spki-sha256': metadata.spkiSha256,
      'requested-at': metadata.requestedAt,
      ...(metadata.keyType ? { 'key-type': metadata.keyType } : {}),
    });
  }

  async putReport(key: string, body: string, contentType: 'application/json' | 'text/plain'): Promise<void> {
    await this.put(key, body, contentType, {});
  }

  private async put(key: string, body: string, contentType: string, metadata: Record<string, string>): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucketName, Key: key, Body: body, ContentType: contentType, Metadata: metadata }));
    } catch (err) {
      throw failure(`writing s3://${this.bucketName}/${key}`, err);
    }
  }

  async list(prefix: string, limit: number): Promise<string[]> {
    const found: { key: string; at: number }[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucketName, Prefix: prefix, MaxKeys: PAGE, ContinuationToken: token }));
        for (const entry of page.Contents ?? []) if (entry.Key) found.push({ key: entry.Key, at: entry.LastModified?.getTime() ?? 0 });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token && found.length < limit * 4);
    } catch (err) {
      throw failure(`listing s3://${this.bucketName}/${prefix}`, err);
    }
    return found
      .sort((a, b) => a.at - b.at || a.key.localeCompare(b.key))
      .slice(0, limit)
      .map((entry) => entry.key);
  }

  async read(key: string, maxBytes: number): Promise<CsrObject | undefined> {
    let out;
    try {
      out = await this.client.send(new GetObjectCommand({ Bucket: this.bucketName, Key: key }));
    } catch (err) {
      if (hasName(err, 'NoSuchKey', 'NotFound')) return undefined;
      throw failure(`reading s3://${this.bucketName}/${key}`, err);
    }
    if (out.ContentLength !== undefined && out.ContentLength > maxBytes) {
      // Not read: the stream is dropped unread.
      (out.Body as { destroy?: () => void } | undefined)?.destroy?.();
      throw new ValidationError(`${key} is ${out.ContentLength} bytes, over the ${maxBytes}-byte limit`, 'OBJECT_TOO_LARGE');
    }
    const body = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    if (body.length > maxBytes) throw new ValidationError(`${key} is over the ${maxBytes}-byte limit`, 'OBJECT_TOO_LARGE');
    return { key, body, metadata: out.Metadata ?? {}, lastModified: (out.LastModified ?? new Date(0)).toISOString() };
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucketName, Key: key }));
    } catch (err) {
      throw failure(`deleting s3://${this.bucketName}/${key}`, err);
    }
  }
}
