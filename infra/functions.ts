// The registry of every Lambda function the project deploys. A new function joins the stack by one entry here:
// its trigger says who invokes it (and so whether it is asynchronous), its access says what its own role may touch.
// infra imports no runtime code: entries are paths, bundled by esbuild at synth.

/** Who invokes the function. Schedules and bucket events invoke asynchronously; the others wait for the answer. */
export type FunctionTrigger =
  /** Invoked by the listener tasks (lambda:InvokeFunction, RequestResponse). */
  | { kind: 'listener' }
  /** Behind the admin HTTP API (IAM-authorised); every method and path goes to this one function. */
  | { kind: 'admin-api' }
  /** EventBridge Scheduler, e.g. `rate(1 hour)` or `cron(0 6 * * ? *)` (UTC). */
  | { kind: 'schedule'; expression: string }
  /** S3 "object created" in the CSR bucket under this prefix (offline CA imports). */
  | { kind: 'bucket'; prefix: string };

/**
 * DynamoDB actions on the store table, named by what the runtime's store calls send: GetItem for every read,
 * PutItem and UpdateItem for the conditional writes, DeleteItem (deleteDevice), Query (listIssuances), Scan
 * (listDevices).
 */
export type TableAction = 'GetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query' | 'Scan' | 'BatchGetItem' | 'BatchWriteItem';

export function tableActions(actions: readonly TableAction[]): string[] {
  return actions.map((action) => `dynamodb:${action}`);
}

/** What the function's own role may do; everything not named here is denied. */
export interface FunctionAccess {
  /** Exactly the table actions the function's store calls use. */
  table?: readonly TableAction[];
  /** The table's indexes the role may Query/Scan (by name: no `index/*`); item actions never reach an index. */
  tableIndexes?: readonly string[];
  /** Sign through the configured CA backend: whatever that backend needs (CA secret, KMS key, private CA or the
   *  online CA's settings), and its environment variables. */
  issue?: boolean;
  /** Sign the CAPF CA's CRL: read the CA secret, or kms:Sign on the CA key (capf-software, capf-kms); no issue access. */
  crlSigning?: boolean;
  /** Administer the CAPF CA (F4): read and replace the CA secret (software key), read its certificate (KMS key). */
  capfCa?: boolean;
  /** Read the CAPF CA secret without issuing (it holds the private key with the software backend). */
  caSecret?: 'read';
  /** The CAPF TLS service certificate: read it, or also store a new one (F4 regeneration). */
  tlsSecret?: 'read' | 'readWrite';
  /** The key authentication strings are hashed with (admin paths that set a string): CAPF_AUTH_KEY_SECRET_ARN. */
  authKeySecret?: 'read';
  /**
   * The CSR bucket (offline CA exports and imports): read, read and write, or what the import needs only (list and
   * read under signed/, write the signed/*.result.json reports; nothing under csr/, no delete).
   */
  bucket?: 'read' | 'readWrite' | 'import';
  /** Publish to the notification topic and send email through SES. */
  notify?: boolean;
  /** Write the CAPF CA's CRL: PutObject on the one key crl/capf.crl of the CSR bucket (CAPF_CRL_BUCKET, CAPF_CRL_KEY). */
  crl?: boolean;
  /** Read the published CRL (GetObject on crl/capf.crl only; CAPF_CRL_BUCKET, CAPF_CRL_KEY): the admin API's GET /crl. */
  crlRead?: boolean;
  /** Delete the offline CA's CSR objects (DeleteObject under csr/ only; CAPF_CSR_BUCKET): `capf csr delete`. */
  csrDelete?: boolean;
  /** Functions of this registry it invokes (RequestResponse; lambda:InvokeFunction on each, CAPF_FUNCTION_<ID>). */
  invokes?: readonly string[];
  /** Invokes itself asynchronously (a long run continues in a new invocation): lambda:InvokeFunction on its own ARN,
   *  in a policy of its own (the function cannot depend on a statement naming it). Lambda sets AWS_LAMBDA_FUNCTION_NAME. */
  invokesSelf?: boolean;
  /** Schedules and starts bulk jobs (issue 14): create/get/delete the capf-bulk-* schedules of the bulk schedule
   *  group, pass the schedules' role to EventBridge Scheduler, invoke the `bulk` function; CAPF_BULK_FUNCTION_ARN,
   *  CAPF_BULK_SCHEDULER_ROLE_ARN, CAPF_BULK_SCHEDULE_GROUP. */
  bulkSchedules?: boolean;
}

export interface FunctionSpec {
  /** Lowercase id: names the construct, the service in logs and the prebuilt bundle directory. */
  id: string;
  /** Handler file relative to the repository root, exporting `handler`. */
  entry: string;
  description: string;
  trigger: FunctionTrigger;
  access: FunctionAccess;
  memoryMb?: number;
  timeoutSeconds?: number;
}

export function isAsynchronous(trigger: FunctionTrigger): boolean {
  return trigger.kind === 'schedule' || trigger.kind === 'bucket';
}

export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    id: 'sign',
    entry: 'functions/sign/handler.ts',
    description: 'Signs an LSC for the listener through the configured CA backend',
    trigger: { kind: 'listener' },
    // getDevice, getParameters, getIssuance; the key's claim on the device and its release (UpdateItem), the key's
    // record once the issuer answered (complete and abandon, PutItem). No DeleteItem: a refused request's claim is
    // removed from the device item by an update (issue 16), and it never wrote a record.
    access: { table: ['GetItem', 'PutItem', 'UpdateItem'], issue: true },
    // RSA signing and the first TLS handshake to an online CA are CPU-bound: more memory buys CPU.
    memoryMb: 1024,
    timeoutSeconds: 30,
  },
  {
    id: 'offline-import',
    entry: 'functions/import/handler.ts',
    description: 'Imports certificates an offline CA signed: uploads under signed/ in the CSR bucket, matched to pending CSRs',
    trigger: { kind: 'bucket', prefix: 'signed/' },
    // getPendingCsr, listPendingCsrs (Query), findByKey (Query on gsi1), markImported (UpdateItem), get/complete/putOnce
    // issuance, the CAPF-trust entries (Query).
    access: { table: ['GetItem', 'PutItem', 'UpdateItem', 'Query'], tableIndexes: ['gsi1'], bucket: 'import' },
    timeoutSeconds: 60,
  },
  {
    id: 'admin',
    entry: 'functions/admin/handler.ts',
    description: 'The admin API: devices, parameters, trust stores, the CAPF certificate and the audit trail (IAM-authorised HTTP API)',
    trigger: { kind: 'admin-api' },
    // getDevice and getParameters (GetItem); device writes and audit events (PutItem); parameters (UpdateItem);
    // deleteDevice (DeleteItem); listings of devices, a device's certificates and audit events from the table and its
    // indexes (Query). authKeySecret: a string set through the API is stored as its keyed hash under the deployment's key.
    // capfCa: capf ca show/export/regenerate/import (F4) on the CA secret. The offline CA's CSRs (gsi1, gsi2; their
    // objects: csrDelete), the expiry report (certificates-by-not-after), GET /crl (crlRead), a monitor run (invokes).
    // Bulk jobs (issue 14): created (PutItem), listed and their failures (Query), cancelled and their strings taken
    // (UpdateItem); a job for later gets a one-time schedule, a job for now invokes the bulk function (bulkSchedules).
    // The devices of listed issued certificates (BatchGetItem), so a device's current LSC reads installed (issue 16).
    access: {
      table: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchGetItem'],
      tableIndexes: ['gsi1', 'gsi2', 'certificates-by-not-after'],
      authKeySecret: 'read',
      capfCa: true,
      csrDelete: true,
      crlRead: true,
      invokes: ['expiry-monitor'],
      bulkSchedules: true,
    },
    memoryMb: 512,
    timeoutSeconds: 29,
  },
  {
    id: 'expiry-monitor',
    entry: 'functions/expiry-monitor/handler.ts',
    description: 'Expiry monitor (F19): notices before LSCs, the CAPF CA and trust certificates expire, revocation, the CRL, re-enrolment',
    // Hourly; a run returns at once unless the schedule the last run stored (daily, hourly near an expiry) is due.
    trigger: { kind: 'schedule', expression: 'rate(1 hour)' },
    // Parameters, devices, CRL and schedule items (GetItem); CRL state, schedule and re-armed devices (PutItem); revocations
    // (UpdateItem); the certificates index, sent notices and trust stores (Query); sent-notice keys (BatchWriteItem);
    // the devices of issued LSCs (BatchGetItem), to write installed on the records they name (issue 16).
    // crlSigning: the CA key signs the CRL (read access to it; not the sign function's issue access).
    access: {
      table: ['GetItem', 'PutItem', 'UpdateItem', 'Query', 'BatchGetItem', 'BatchWriteItem'],
      tableIndexes: ['certificates-by-not-after'],
      crlSigning: true,
      notify: true,
      crl: true,
    },
    memoryMb: 1024,
    timeoutSeconds: 300,
  },
  {
    id: 'bulk',
    entry: 'functions/bulk/handler.ts',
    description: 'Runs bulk jobs (issue 14): a job by id from its one-time schedule or the admin API, every due job from the sweep',
    // Every 5 minutes `{}` runs due jobs: a job whose run died (crash, timeout) and left its lease is taken up within
    // minutes. A job's own schedule and "run now" send `{ "jobId": ... }`.
    trigger: { kind: 'schedule', expression: 'rate(5 minutes)' },
    // The job and its chunks (GetItem, Query to list due jobs), its lease and progress (UpdateItem), the target list and
    // failures (BatchWriteItem), the devices (BatchGetItem 100 at a time, GetItem on a retry, UpdateItem conditional on
    // the job's marker), the run's audit event (PutItem); a query selection reads the device indexes (gsi1 by status,
    // gsi2 by name). authKeySecret: generated and shared strings are stored as their keyed hash.
    access: {
      table: ['GetItem', 'PutItem', 'UpdateItem', 'Query', 'BatchGetItem', 'BatchWriteItem'],
      tableIndexes: ['gsi1', 'gsi2'],
      authKeySecret: 'read',
      invokesSelf: true,
    },
    memoryMb: 1024,
    // Lambda's limit: a run stops a minute before it (functions/bulk/bulk-function.ts) and continues in a new invocation.
    timeoutSeconds: 900,
  },
];
