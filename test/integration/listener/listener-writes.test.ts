// What the listener's own DynamoDB client sends, checked against the task role's fine-grained policy
// (infra/constructs/table-access.ts). moto does not enforce IAM conditions, so the policy is applied here instead: every
// request of real sessions over TLS (install, wrong strings up to a lock, a one-time string, renewal, a refused store,
// fetch, delete) is recorded and must be one the role allows: reads; PutItem/BatchWriteItem in AUDIT# partitions only;
// UpdateItem in DEVICE# partitions, of LISTENER_WRITABLE_ATTRIBUTES only (never `operation` or `authString`), asking for
// no item back; nothing else. The end of an operation and a used string still read as before (operation none, no string).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createPrivateKey } from 'node:crypto';
import { GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LISTENER_WRITABLE_ATTRIBUTES } from '../../../infra/constructs/table-access.ts';
import { CapfCaIssuer } from '../../../shared/issuers/capf-ca/index.ts';
import { createSoftwareSigner, generateCapfCa } from '../../../shared/pki/index.ts';
import type { DeviceSettings } from '../../../shared/ports/index.ts';
import { deviceKey } from '../../../shared/store/dynamo-table.ts';
import { startBackendListener, type BackendListener } from '../../support/backend-listener.ts';
import { motoClientConfig, uniqueName } from '../issuers/moto-aws.ts';

interface Sent {
  command: string;
  input: Record<string, unknown>;
}

const sent: Sent[] = [];
const tableName = uniqueName('capf-listener-writes');
let listener: BackendListener;

beforeAll(async () => {
  const listenerDynamo = new DynamoDBClient(motoClientConfig());
  listenerDynamo.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({ command: String(context.commandName), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'recordListenerRequests' },
  );
  const ca = await generateCapfCa({ commonName: 'CAPF-writes' });
  const issuer = new CapfCaIssuer({ certificateDer: ca.certificateDer, signer: createSoftwareSigner(createPrivateKey(ca.privateKeyPem)) });
  listener = await startBackendListener({ dynamo: new DynamoDBClient(motoClientConfig()), listenerDynamo, tableName, issuer });
  await listener.store.parameters.update({ authFailureLimit: 2 });
});
afterAll(() => listener.close());

const arm = (settings: Partial<DeviceSettings> & { name: string }) =>
  listener.store.devices.put({ operation: 'install', authMode: 'null-string', keyOrder: 'ec', rsaKeySize: 2048, curve: 'P-256', ...settings }, { newOperation: true });

const raw = async (name: string) =>
  (await DynamoDBDocumentClient.from(new DynamoDBClient(motoClientConfig())).send(new GetCommand({ TableName: tableName, Key: deviceKey(name), ConsistentRead: true }))).Item ?? {};

/** The top-level attribute names an UpdateExpression writes (placeholders resolved), as IAM's dynamodb:Attributes sees them. */
function updatedAttributes(input: Record<string, unknown>): string[] {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const expression = String(input.UpdateExpression ?? '');
  const tokens = expression.replace(/:\w+/g, ' ').match(/#?[A-Za-z_]\w*/g) ?? [];
  const keywords = new Set(['SET', 'REMOVE', 'ADD', 'DELETE', 'if_not_exists', 'list_append']);
  const written = tokens.filter((token) => !keywords.has(token)).map((token) => (token.startsWith('#') ? (names[token] ?? token) : token));
  return [...new Set(['pk', 'sk', ...written])];
}

/** The partition key as sent (the low-level request: attribute values marshalled, `{ S: ... }`). */
type Marshalled = Record<string, { S?: string } | undefined>;
const partitionOf = (input: Record<string, unknown>) => String((input.Key as Marshalled | undefined)?.pk?.S ?? (input.Item as Marshalled | undefined)?.pk?.S ?? '');

describe("the listener's requests against its role's policy", () => {
  it('sessions end operations and use strings through the markers, and every request fits the policy', async () => {
    // Install, then renewal with the LSC (supersedes it), then a refused store (abandons), fetch, delete.
    await arm({ name: 'SEP00DD00000001' });
    const first = await listener.phone('SEP00DD00000001');
    expect(first.endReason).toBe(1);
    const ended = await raw('SEP00DD00000001');
    expect(ended).toMatchObject({ operation: 'install', operationEnded: ended.operationId }); // the listener left `operation` as the admin set it
    expect(await listener.store.devices.get('SEP00DD00000001')).toMatchObject({ operation: 'none', status: 'success' });
    const held = { certificatePem: first.certificatePem as string, privateKeyPem: first.privateKeyPem as string };
    await arm({ name: 'SEP00DD00000001', authMode: 'lsc-precedence' });
    const renewed = await listener.phone('SEP00DD00000001', { auth: { mode: 'certificate', ...held } });
    expect(renewed.endReason).toBe(1);
    const current = { certificatePem: renewed.certificatePem as string, privateKeyPem: renewed.privateKeyPem as string };
    await arm({ name: 'SEP00DD00000001', authMode: 'lsc-precedence' });
    expect((await listener.phone('SEP00DD00000001', { auth: { mode: 'certificate', ...current }, misbehave: { failStore: true } })).endReason).not.toBe(1);
    await arm({ name: 'SEP00DD00000001', operation: 'fetch', authMode: 'lsc-precedence' });
    expect((await listener.phone('SEP00DD00000001', { auth: { mode: 'certificate', ...current }, lscPem: current.certificatePem })).endReason).toBe(0); // fetch ends with 0
    expect(await listener.store.devices.get('SEP00DD00000001')).toMatchObject({ operation: 'none', status: 'success', fetched: expect.anything() });
    await arm({ name: 'SEP00DD00000001', operation: 'delete' });
    expect((await listener.phone('SEP00DD00000001', { lscPem: current.certificatePem })).endReason).toBe(1);
    expect(await listener.store.devices.get('SEP00DD00000001')).toMatchObject({ operation: 'none', status: 'success' });

    // Wrong strings up to the lock; re-armed, the right one-time string succeeds; re-armed again, the used string is gone.
    await arm({ name: 'SEP00DD00000002', authMode: 'auth-string', authString: '4711' });
    expect((await listener.phone('SEP00DD00000002', { auth: { mode: 'password', password: '0000' } })).endReason).toBe(7);
    expect((await listener.phone('SEP00DD00000002', { auth: { mode: 'password', password: '0001' } })).endReason).toBe(7);
    expect(await listener.store.devices.get('SEP00DD00000002')).toMatchObject({ authFailures: 2, lockedUntil: expect.any(String) });
    await arm({ name: 'SEP00DD00000002', authMode: 'auth-string', authString: '4711' });
    expect((await listener.phone('SEP00DD00000002', { auth: { mode: 'password', password: '4711' } })).endReason).toBe(1);
    const used = await raw('SEP00DD00000002');
    expect(used).toMatchObject({ authString: '4711', authStringUsed: used.operationId });
    expect(await listener.store.devices.get('SEP00DD00000002')).not.toHaveProperty('authString');
    // The used string does not come back: re-arming needs a new one, and the next admin save drops it from the item.
    await expect(arm({ name: 'SEP00DD00000002', authMode: 'auth-string' })).rejects.toThrow(/needs an authString/);
    await arm({ name: 'SEP00DD00000002', operation: 'none', authMode: 'auth-string' });
    expect(await raw('SEP00DD00000002')).not.toHaveProperty('authString');
    expect(await raw('SEP00DD00000002')).not.toHaveProperty('authStringUsed');

    const commands = new Set(sent.map((s) => s.command));
    expect(commands).toContain('UpdateItemCommand');
    for (const { command, input } of sent) {
      switch (command) {
        case 'GetItemCommand':
        case 'QueryCommand':
          break;
        case 'PutItemCommand':
          expect(partitionOf(input)).toMatch(/^AUDIT#/);
          break;
        case 'BatchWriteItemCommand':
          for (const requests of Object.values(input.RequestItems as Record<string, { PutRequest?: { Item: Marshalled } }[]>)) {
            for (const request of requests) expect(request.PutRequest?.Item.pk?.S).toMatch(/^AUDIT#/);
          }
          break;
        case 'UpdateItemCommand': {
          expect(partitionOf(input)).toMatch(/^DEVICE#/);
          const attributes = updatedAttributes(input);
          expect(attributes.filter((name) => !(LISTENER_WRITABLE_ATTRIBUTES as readonly string[]).includes(name)), String(input.UpdateExpression)).toEqual([]);
          expect(input.ReturnValues ?? 'NONE').toMatch(/^(NONE|UPDATED_OLD|UPDATED_NEW)$/);
          break;
        }
        default:
          throw new Error(`the listener sent ${command}, which its role does not allow`);
      }
    }
    const written = new Set(sent.filter((s) => s.command === 'UpdateItemCommand').flatMap((s) => updatedAttributes(s.input)));
    for (const name of ['operationEnded', 'authStringUsed', 'authFailures', 'lockedUntil', 'lsc', 'fetched', 'state']) expect(written).toContain(name);
    expect(written).not.toContain('operation');
    expect(written).not.toContain('authString');
  });
});
