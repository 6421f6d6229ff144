// Table grants by name: item actions on the table itself, and Query/Scan on the indexes a role names. CDK's
// Table.grant adds `<table>/index/*` for every action once the table has an index, which gives item writers index
// access they cannot use and is a wildcard cdk-nag (rightly) flags. The listener's writes are further held to the
// attributes a CAPF session may change (issue 10), with DynamoDB fine-grained access conditions.
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { tableActions, type TableAction } from '../functions.ts';

const INDEX_ACTIONS: readonly TableAction[] = ['Query', 'Scan'];

export function grantTable(table: dynamodb.ITable, grantee: iam.IGrantable, actions: readonly TableAction[], indexes: readonly string[] = []): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions: tableActions(actions), resources: [table.tableArn] }));
  const indexActions = actions.filter((action) => INDEX_ACTIONS.includes(action));
  if (indexes.length === 0 || indexActions.length === 0) return;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: tableActions(indexActions), resources: indexes.map((name) => `${table.tableArn}/index/${name}`) }),
  );
}

/**
 * What a session writes, and nothing else: the device's status, session and outcome (the LSC it installed or deleted,
 * the certificate it fetched), its counters (the lockout's wrong strings and lock), and an issuance record's state.
 * Absent on purpose: the operation and its id, the authentication string, auth mode, key settings, deadline, the
 * certificate count the sign function keeps, and everything an issuance record holds besides its state. The table's keys must be listed for any write.
 */
export const LISTENER_WRITABLE_ATTRIBUTES = [
  'pk',
  'sk',
  // device: status and session
  'status',
  'statusAt',
  'statusReason',
  'statusSessionId',
  'updatedAt',
  'version',
  // device: the outcome. Ending the operation and using a one-time string are markers holding the operation id
  // (shared/store/dynamo-device-item.ts): `operation` and `authString` themselves are admin-only.
  'operationEnded',
  'authStringUsed',
  'lsc',
  'lscIssuance',
  'fetched',
  // device: lockout counters (shared/domain/auth-lockout.ts)
  'authFailures',
  'lockedUntil',
  // device: the by-status index key, which follows the status (shared/store/dynamo-device-index.ts)
  'gsi1pk',
  // issuance record: the state the phone's answer decides
  'state',
  'stateAt',
] as const;

/**
 * The listener task's access: it reads items (devices, parameters, trust stores, a device's issuance records), adds
 * audit events in the audit partitions, and may only UpdateItem, in device partitions, the attributes above, asking for
 * no item back. It has no PutItem or DeleteItem on devices, so it can neither create a device nor replace one whole.
 */
export function grantListenerTableAccess(table: dynamodb.ITable, grantee: iam.IGrantable): void {
  grantTable(table, grantee, ['GetItem', 'Query']);
  // The sessions' audit events (listener/session-audit.ts): new items in the audit partitions only.
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: tableActions(['BatchWriteItem', 'PutItem']),
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } },
    }),
  );
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: tableActions(['UpdateItem']),
      resources: [table.tableArn],
      conditions: {
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...LISTENER_WRITABLE_ATTRIBUTES] },
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DEVICE#*'] },
        StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
      },
    }),
  );
}
