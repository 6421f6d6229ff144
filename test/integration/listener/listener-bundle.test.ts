// What the listener image runs, as a real process: listener/main.ts bundled by the synth's own esbuild settings
// (infra/bundling.ts) into a folder with no node_modules anywhere above it, started with the Dockerfile's CMD, with its
// AWS adapters on moto_server (DynamoDB, Secrets Manager). The sign Lambda sits behind a small stand-in of the Invoke
// API (moto cannot run Lambda code) that runs the sign function's bundle, as Lambda would. First start fills the `{}`
// TLS secret; a phone enrols; SIGTERM drains and exits 0. A missing setting stops the start with one line.
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPhone } from '../../../cli/phone/simulator.ts';
import { createDynamoStores } from '../../../shared/store/dynamo-stores.ts';
import { motoClients, opensslVerify } from '../issuers/moto-aws.ts';
import { startListenerImage, type ListenerImage } from './listener-process.ts';

const clients = motoClients();
let image: ListenerImage;

beforeAll(async () => {
  image = await startListenerImage();
}, 180_000); // bundles the image's entry with esbuild first: slow beside the whole suite on two cores

afterAll(async () => {
  await image?.stop();
});

describe('the listener image bundle, run as the image runs it', () => {
  it('answers its health check with the session counts', async () => {
    const response = await fetch(`http://127.0.0.1:${image.healthPort}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', active: 0 });
  });

  it('fills the TLS secret at first start, enrols a phone through the sign bundle, and drains on SIGTERM', async () => {
    const secret = await clients.secretsManager.send(new GetSecretValueCommand({ SecretId: image.tlsSecretId }));
    const tls = JSON.parse(secret.SecretString ?? '{}') as { certificatePem: string };
    expect(tls.certificatePem).toMatch(/BEGIN CERTIFICATE/);

    const store = createDynamoStores({ client: clients.dynamo, tableName: image.tableName });
    await store.devices.put({ name: 'SEP00BB00000001', operation: 'install', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true });
    const result = await runPhone({ host: '127.0.0.1', port: image.port, deviceName: 'SEP00BB00000001', caPem: tls.certificatePem, timeoutMs: 30_000 });
    expect(result.endReason).toBe(1);
    const ca = JSON.parse((await clients.secretsManager.send(new GetSecretValueCommand({ SecretId: image.caSecretId }))).SecretString ?? '{}') as { certificatePem: string };
    expect(await opensslVerify(ca.certificatePem, result.certificatePem as string)).toMatch(/: OK/);
    expect(await store.devices.get('SEP00BB00000001')).toMatchObject({ operation: 'none', status: 'success' });

    const exited = new Promise<number | null>((resolve) => image.process.once('exit', resolve));
    image.process.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('stops at start with one line naming a missing setting', () => {
    const [node, args] = image.command();
    const run = spawnSync(node, args, { cwd: image.imageDir, env: { ...image.env, CAPF_TABLE: '' }, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^capf listener failed to start: .*CAPF_TABLE is (not set|empty)/)]);
  });
});
