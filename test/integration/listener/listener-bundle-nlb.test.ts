// The listener image (listener-process.ts) configured as the CDK app deploys it behind the NLB with TLS 1.0 on:
// CAPF_PROXY_PROTOCOL=v2 and CAPF_MIN_TLS=TLSv1. The health endpoint answers the load balancer's checks (which carry a PROXY header) and the
// container's own (which do not); a phone enrols through a load-balancer stand-in; the legacy warning is logged.
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPhone } from '../../../cli/phone/simulator.ts';
import { encodeProxyV2Header } from '../../../shared/protocol/proxy-header.ts';
import { createDynamoStores } from '../../../shared/store/dynamo-stores.ts';
import { startProxyRelay, type ProxyRelay } from '../../support/proxy-relay.ts';
import { motoClients } from '../issuers/moto-aws.ts';
import { startListenerImage, type ListenerImage } from './listener-process.ts';

const clients = motoClients();
let main: ListenerImage;
let relay: ProxyRelay;

beforeAll(async () => {
  main = await startListenerImage({ CAPF_PROXY_PROTOCOL: 'v2', CAPF_MIN_TLS: 'TLSv1' });
  relay = await startProxyRelay({ host: '127.0.0.1', port: main.port }, { address: '198.51.100.77', port: 41_000, family: 'IPv4' });
}, 180_000); // bundling the image's entry with esbuild first: well under a minute alone, longer beside the whole suite

afterAll(async () => {
  await relay?.close();
  await main?.stop();
});

/** GET /health, optionally behind `prefix` (a PROXY header), on a raw socket; resolves with the status line. */
function health(port: number, prefix?: Buffer): Promise<string> {
  if (!prefix) {
    return new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/health' }, (res) => {
        res.resume();
        resolve(`HTTP ${res.statusCode}`);
      }).once('error', reject).end();
    });
  }
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.concat([prefix, Buffer.from('GET /health HTTP/1.1\r\nHost: task\r\nConnection: close\r\n\r\n')])));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.once('close', () => resolve(answer.split('\r\n')[0]?.replace(/^HTTP\/1\.1 (\d+).*$/, 'HTTP $1') ?? ''));
    socket.once('error', reject);
  });
}

describe('listener/main.ts behind the NLB, TLS 1.0 on', () => {
  it('says at start that legacy TLS is on', () => {
    expect(main.output()).toMatch(/"message":"legacy TLS enabled".*"minVersion":"TLSv1"/);
    expect(main.output()).toMatch(/"message":"listening".*"proxyProtocol":"v2"/);
  });

  it('answers health checks with a PROXY header (the NLB: LOCAL and PROXY commands) and without one (the container)', async () => {
    expect(await health(main.healthPort)).toBe('HTTP 200');
    expect(await health(main.healthPort, encodeProxyV2Header())).toBe('HTTP 200');
    expect(await health(main.healthPort, encodeProxyV2Header({ address: '10.0.0.9', port: 12_345, family: 'IPv4' }))).toBe('HTTP 200');
  });

  it('enrols a TLS 1.0 phone through the load balancer and logs its address from the header', async () => {
    const secret = await clients.secretsManager.send(new GetSecretValueCommand({ SecretId: main.tlsSecretId }));
    const tls = JSON.parse(secret.SecretString ?? '{}') as { certificatePem: string };
    const store = createDynamoStores({ client: clients.dynamo, tableName: main.tableName });
    await store.devices.put({ name: 'SEP00BB00000077', operation: 'install', authMode: 'null-string', keyOrder: 'rsa', rsaKeySize: 2048, curve: 'P-256' }, { newOperation: true });
    const result = await runPhone({ host: '127.0.0.1', port: relay.port, deviceName: 'SEP00BB00000077', caPem: tls.certificatePem, timeoutMs: 30_000, minVersion: 'TLSv1', maxVersion: 'TLSv1' });
    expect(result).toMatchObject({ endReason: 1, tlsProtocol: 'TLSv1' });
    await expect.poll(() => main.output()).toMatch(new RegExp(`"sessionId":${result.sessionId}[^\\n]*"peer":"198\\.51\\.100\\.77"`));
  });

  it('drops a connection that skips the load balancer (no header)', async () => {
    const direct = await runPhone({ host: '127.0.0.1', port: main.port, deviceName: 'SEP00BB00000078', insecure: true, timeoutMs: 5_000 });
    expect(direct.sessionId).toBe(0);
    await expect.poll(() => main.output()).toMatch(/"message":"proxy header refused"[^\n]*"code":"PROXY_MISSING"/);
  });
});
