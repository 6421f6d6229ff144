// The local stack's issuer, picked through the issuer registry like every other composition root: `capf serve
// --issuer KIND [--issuer-config FILE]`. The file holds the same JSON as the AWS settings secret or variables of that
// issuer. What differs locally is custody, not code: capf-software signs with the CA key file of the data folder
// (unless the file names a Secrets Manager secret), AWS issuers use the default AWS credential chain (AWS_PROFILE,
// AWS_ENDPOINT_URL...), and CAPF-trust is the CA plus the store's CAPF-trust entries.
import { readFile } from 'node:fs/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../../shared/errors.ts';
import { createIssuerFromSettings } from '../../shared/issuers/create.ts';
import { checkIssuerSettings, DEFAULT_ISSUER_KIND, type IssuerKind } from '../../shared/issuers/registry.ts';
import type { IssuerContext } from '../../shared/issuers/descriptor.ts';
import { derToPem } from '../../shared/pki/index.ts';
import type { Issuer, TrustStore } from '../../shared/ports/index.ts';
import type { LocalCa } from './ca-files.ts';

export interface LocalIssuerChoice {
  kind: IssuerKind;
  /** JSON settings of that issuer; capf-software needs none. */
  configFile?: string;
}

export const DEFAULT_LOCAL_ISSUER: LocalIssuerChoice = { kind: DEFAULT_ISSUER_KIND };

/** The offline CA's bucket on the local stack (s3rver, cli/local/local-csr-bucket.ts). */
export const LOCAL_CSR_BUCKET = 'capf-csr';
/** s3rver's own account: any S3 client reaches the local bucket with it. */
export const LOCAL_BUCKET_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The offline issuer with no settings file uses the local bucket (s3rver), not one in AWS. */
export function usesLocalBucket(choice: LocalIssuerChoice): boolean {
  return choice.kind === 'offline' && choice.configFile === undefined;
}

/** An S3 client of the local bucket at `endpoint` (the primary's s3rver, for the workers of a cluster too). */
export function localBucketClient(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', credentials: LOCAL_BUCKET_CREDENTIALS, forcePathStyle: true });
}

/** The issuer's settings as the local stack uses them: the local bucket's for the offline issuer without a file. */
export async function localIssuerSettings(choice: LocalIssuerChoice): Promise<{ settings: unknown; where: string }> {
  return usesLocalBucket(choice) ? { settings: { bucket: LOCAL_CSR_BUCKET }, where: 'the local CSR bucket' } : readIssuerSettings(choice);
}

/** A settings file is a few hundred bytes (a CA chain or two at most); anything larger is refused unread. */
const MAX_SETTINGS_BYTES = 256 * 1024;

/** The issuer's settings, read from its file and checked against its schema; ConfigError naming file and field. */
export async function readIssuerSettings(choice: LocalIssuerChoice): Promise<{ settings: unknown; where: string }> {
  if (choice.configFile === undefined) {
    const where = `settings of --issuer ${choice.kind} (give them with --issuer-config FILE)`;
    checkIssuerSettings(choice.kind, {}, where);
    return { settings: {}, where };
  }
  const where = `issuer config ${choice.configFile}`;
  let text: string;
  try {
    const bytes = await readFile(choice.configFile);
    if (bytes.length > MAX_SETTINGS_BYTES) throw new ConfigError(`${where} is over ${MAX_SETTINGS_BYTES} bytes`, 'ISSUER_CONFIG');
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${where} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'ISSUER_CONFIG');
  }
  let settings: unknown;
  try {
    settings = JSON.parse(text);
  } catch (error) {
    // The parser's own message quotes the text around the problem, which may be the password: only its position.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new ConfigError(`${where} is not valid JSON${position ? ` (at character ${position})` : ''}`, 'ISSUER_CONFIG');
  }
  checkIssuerSettings(choice.kind, settings, where);
  return { settings, where };
}

/** Builds the issuer for the local stack over its current CA files (`extra`: the offline CA's bucket client and store). */
export function createLocalIssuer(
  kind: IssuerKind,
  settings: { settings: unknown; where: string },
  trust: Pick<TrustStore, 'list'>,
  ca: LocalCa,
  extra: Pick<IssuerContext, 'clients' | 'pendingCsrs'> = {},
): Promise<Issuer> {
  return createIssuerFromSettings(
    kind,
    settings.settings,
    {
      fipsMode: false,
      ...extra,
      localCa: { certificateDer: ca.certificateDer, privateKey: ca.privateKey },
      capfTrust: {
        readPem: async () => [derToPem(ca.certificateDer), ...(await trust.list('capf')).map((entry) => entry.pem)],
        where: 'CAPF-trust (capf trust add FILE --store capf)',
      },
    },
    settings.where,
  );
}
