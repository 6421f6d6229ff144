// The sign service's claim on one phone key, kept on the device item (issue 16): one conditional UpdateItem checks
// that the device still has the install pending, counts a new key against maxCertificatesPerOperation, claims the key
// under a lease and marks the device in progress for the listener's session. The issuance record is then written
// once, by complete (or abandon), so a successful signing costs two store calls. dynalite has no transactions, so
// the claim must live on the one item the count and the operation's check already need.
//
// The item holds the claimed keys of one operation: `keyClaims` maps each key's SPKI SHA-256 to the claimant's request
// id and lease, and `keyClaimsOperation` names the operation it belongs to. The first claim of an operation replaces
// the map of an earlier one whole, so it never holds more keys than the operation may count: a key claimed and then
// refused by the device is removed again (releaseKey) with its count.
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { checkDeviceName, checkOperationId, checkSessionId, checkSpkiSha256 } from '../domain/validation.ts';
import { StoreError, ValidationError } from '../errors.ts';
import type { Device } from '../model.ts';
import type { KeyClaim, KeyClaimRequest } from '../ports/index.ts';
import { deviceStatusPartition } from './dynamo-device-index.ts';
import { deviceFromItem, OPERATION_ENDED } from './dynamo-device-item.ts';
import { deviceKey, GSI1, isConditionFailure, storeCall, storeFailure, type DynamoTable } from './dynamo-table.ts';

/** The claimed keys of one operation: SPKI SHA-256 → claimant and lease. */
export const KEY_CLAIMS = 'keyClaims';
/** The operation whose keys `keyClaims` holds. */
export const KEY_CLAIMS_OPERATION = 'keyClaimsOperation';

const MAX_LEASE_MS = 60 * 60 * 1000;
/** Attempts after the first write lost its condition (each reads the item, then writes what it found possible). */
const MAX_ROUNDS = 4;

interface StoredClaim {
  requestId: string;
  leaseUntil: string;
}

/** What the next write tries: the operation's first key, another key of it, or a key whose claimant's lease lapsed. */
type Attempt = { kind: 'first' } | { kind: 'new-key' } | { kind: 'takeover'; held: StoredClaim };

// Conditions without grouping parentheses, which dynalite parses slowly (docs/store-conditions.md): `NOT a = :v` holds
// when `a` is absent or differs, `NOT n >= :limit` when `n` is absent or below the limit.
/** The operation is still the device's pending install (its id, not ended by a session). */
const PENDING_INSTALL = '#operationId = :operationId AND #operation = :install AND NOT #ended = :operationId';
const UNDER_LIMIT = 'NOT certificatesIssued >= :limit';

export async function claimKey(table: DynamoTable, name: string, operationId: string, claim: KeyClaimRequest): Promise<KeyClaim> {
  checkDeviceName(name);
  checkOperationId(operationId);
  checkOperationId(claim.requestId);
  checkSpkiSha256(claim.spkiSha256);
  if (claim.sessionId !== undefined) checkSessionId(claim.sessionId);
  if (!Number.isInteger(claim.leaseMs) || claim.leaseMs < 1 || claim.leaseMs > MAX_LEASE_MS) {
    throw new ValidationError(`leaseMs must be an integer from 1 to ${MAX_LEASE_MS}`, 'INVALID_LEASE');
  }
  if (!Number.isInteger(claim.limit) || claim.limit < 1) throw new ValidationError('the certificate limit must be a positive integer', 'INVALID_LIMIT');
  // The hot path: the first key of the operation, in one write and no read.
  const first = await writeClaim(table, name, operationId, claim, { kind: 'first' });
  if (first) return { verdict: 'claimed', device: first, takeover: false };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const item = await readItem(table, name);
    const next = nextAttempt(item, operationId, claim, table.now().toISOString());
    if ('verdict' in next) return next;
    const device = await writeClaim(table, name, operationId, claim, next);
    if (device) return { verdict: 'claimed', device, takeover: next.kind === 'takeover' };
  }
  throw new StoreError(`claiming a key of device ${name} kept racing with other writers`);
}

/** Gives the claim back (the device refused the request): the key leaves the map and its count goes; a no-op otherwise. */
export async function releaseKey(table: DynamoTable, name: string, operationId: string, spkiSha256: string, requestId: string): Promise<void> {
  checkDeviceName(name);
  checkOperationId(operationId);
  checkSpkiSha256(spkiSha256);
  try {
    await table.doc.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: deviceKey(name),
        UpdateExpression: 'REMOVE #claims.#key ADD certificatesIssued :minus',
        ConditionExpression: '#claimsOperation = :operationId AND #claims.#key.#requestId = :requestId AND certificatesIssued > :zero',
        ExpressionAttributeNames: { '#claims': KEY_CLAIMS, '#claimsOperation': KEY_CLAIMS_OPERATION, '#key': spkiSha256, '#requestId': 'requestId' },
        ExpressionAttributeValues: { ':minus': -1, ':operationId': operationId, ':requestId': requestId, ':zero': 0 },
      }),
    );
  } catch (err) {
    if (!isConditionFailure(err)) throw storeFailure(`releasing a key claim of ${name}`, err);
  }
}

/** What the item as read allows: a verdict without writing, or the write to try. */
function nextAttempt(item: Record<string, unknown> | undefined, operationId: string, claim: KeyClaimRequest, now: string): KeyClaim | Attempt {
  if (!item) return { verdict: 'not-pending', device: undefined };
  const device = deviceFromItem(item);
  if (device.operationId !== operationId || device.operation !== 'install') return { verdict: 'not-pending', device };
  const claims = item[KEY_CLAIMS_OPERATION] === operationId ? (item[KEY_CLAIMS] as Record<string, StoredClaim> | undefined) : undefined;
  const held = claims?.[claim.spkiSha256];
  if (held) {
    if (held.requestId !== claim.requestId && held.leaseUntil >= now) return { verdict: 'held', device, leaseUntil: held.leaseUntil };
    return { kind: 'takeover', held };
  }
  if ((device.certificatesIssued ?? 0) >= claim.limit) return { verdict: 'limit', device };
  return claims ? { kind: 'new-key' } : { kind: 'first' };
}

/** One conditional UpdateItem for `attempt`: the device as stored after it, or undefined when its condition was lost. */
async function writeClaim(table: DynamoTable, name: string, operationId: string, claim: KeyClaimRequest, attempt: Attempt): Promise<Device | undefined> {
  const now = table.now();
  const entry: StoredClaim = { requestId: claim.requestId, leaseUntil: new Date(now.getTime() + claim.leaseMs).toISOString() };
  const names: Record<string, string> = {
    '#operationId': 'operationId',
    '#operation': 'operation',
    '#ended': OPERATION_ENDED,
    '#status': 'status',
    '#statusKey': GSI1.pk,
    '#claims': KEY_CLAIMS,
    '#claimsOperation': KEY_CLAIMS_OPERATION,
  };
  const values: Record<string, unknown> = {
    ':operationId': operationId,
    ':install': 'install',
    ':inProgress': 'in-progress',
    ':now': now.toISOString(),
    ':statusKey': deviceStatusPartition('in-progress'),
  };
  // In progress as markInProgress leaves it (shared/domain/device-transitions.ts startOperation), without a version bump.
  const set = ['#status = :inProgress', 'statusAt = :now', 'updatedAt = :now', '#statusKey = :statusKey'];
  if (claim.sessionId !== undefined) {
    set.push('statusSessionId = :sessionId');
    values[':sessionId'] = claim.sessionId;
  }
  let condition = PENDING_INSTALL;
  let counted = true;
  if (attempt.kind === 'first') {
    condition += ` AND NOT #claimsOperation = :operationId AND ${UNDER_LIMIT}`;
    set.push('#claims = :claims', '#claimsOperation = :operationId');
    values[':claims'] = { [claim.spkiSha256]: entry };
  } else {
    names['#key'] = claim.spkiSha256;
    set.push('#claims.#key = :entry');
    values[':entry'] = entry;
    condition += ' AND #claimsOperation = :operationId';
    if (attempt.kind === 'new-key') {
      condition += ` AND attribute_not_exists(#claims.#key) AND ${UNDER_LIMIT}`;
    } else {
      // Taken over exactly as read: a claimant that renewed or another taker that came first wins.
      names['#requestId'] = 'requestId';
      names['#leaseUntil'] = 'leaseUntil';
      condition += ' AND #claims.#key.#requestId = :heldBy AND #claims.#key.#leaseUntil = :heldUntil';
      values[':heldBy'] = attempt.held.requestId;
      values[':heldUntil'] = attempt.held.leaseUntil;
      counted = false; // the key was counted when it was first claimed
    }
  }
  if (counted) {
    values[':limit'] = claim.limit;
    values[':one'] = 1;
  }
  try {
    const out = await table.doc.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: deviceKey(name),
        UpdateExpression: `SET ${set.join(', ')} REMOVE statusReason, authFailures, lockedUntil${counted ? ' ADD certificatesIssued :one' : ''}`,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return deviceFromItem(out.Attributes as Record<string, unknown>);
  } catch (err) {
    if (isConditionFailure(err)) return undefined;
    throw storeFailure(`claiming a key of device ${name}`, err);
  }
}

async function readItem(table: DynamoTable, name: string): Promise<Record<string, unknown> | undefined> {
  const out = await storeCall(`reading device ${name}`, () => table.doc.send(new GetCommand({ TableName: table.tableName, Key: deviceKey(name), ConsistentRead: true })));
  return out.Item;
}
