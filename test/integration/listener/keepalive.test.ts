// F14: the keepAliveMinutes parameter drives TCP keepalive on phone connections, within the parameter cache's life and
// on connections already open (the value comes from the parameters each phone session reads anyway). The kernel's own view of each socket is read from /proc/net/tcp: its timer column
// (2 = keepalive) and the time until the timer fires, so the test sees the option the socket really has.
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../../cli/local/local-stack.ts';
import { runPhone } from '../../../cli/phone/simulator.ts';
import { KEEPALIVE_MINUTES } from '../../../shared/domain/parameters.ts';
import { MemoryLogger } from '../../../shared/logging.ts';

/** USER_HZ: /proc reports timers in clock ticks of 1/100 s on Linux. */
const TICKS_PER_SECOND = 100;

/** The keepalive timer (ms until it fires) of the listener's end of the connection from `clientPort`, or undefined. */
async function serverKeepAliveMs(listenerPort: number, clientPort: number): Promise<number | undefined> {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of (await readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [local, remote, state, , timer] = [fields[1], fields[2], fields[3], fields[4], fields[5]];
    if (!local?.endsWith(`:${hex(listenerPort)}`) || !remote?.endsWith(`:${hex(clientPort)}`) || state !== '01') continue;
    const [kind, when] = (timer ?? '').split(':');
    if (kind !== '02') return undefined; // no keepalive timer running
    return (Number.parseInt(when ?? '', 16) / TICKS_PER_SECOND) * 1000;
  }
  return undefined;
}

let folder: string;
let stack: LocalStack;
const sockets: Socket[] = [];

async function open(): Promise<Socket> {
  const port = stack.addresses[0]?.port as number;
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined); // the listener ends a connection that never starts TLS after its handshake timeout
  sockets.push(socket);
  return socket;
}

/** A phone session (an unknown device: the lookup still reads the parameters, through the 5 s cache). */
async function phoneSession(): Promise<void> {
  const result = await runPhone({ host: '127.0.0.1', port: stack.addresses[0]?.port as number, deviceName: 'SEP00000000CAFE', insecure: true, timeoutMs: 10_000 });
  expect(result.endReason).toBe(9);
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capf-keepalive-'));
  stack = await startLocalStack({ dataDir: folder, hosts: ['127.0.0.1'], port: 0, logger: new MemoryLogger(), handshakeTimeoutMs: 120_000 });
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await stack?.close(1_000);
  await rm(folder, { recursive: true, force: true });
});

describe('TCP keepalive on phone connections (F14)', () => {
  it('follows keepAliveMinutes: new connections and open ones, within the parameter cache', async () => {
    const listenerPort = stack.addresses[0]?.port as number;
    expect(KEEPALIVE_MINUTES).toMatchObject({ min: 5, max: 60 });
    await stack.store.parameters.update({ keepAliveMinutes: 5 });
    const before = await open();
    // Before any session has read the parameters, a connection gets the listener's default (15 minutes).
    await expect.poll(() => serverKeepAliveMs(listenerPort, before.localPort as number)).toBeGreaterThan(14 * 60_000);
    await phoneSession();
    const first = await open();
    const fiveMinutes = await serverKeepAliveMs(listenerPort, first.localPort as number);
    expect(fiveMinutes).toBeLessThanOrEqual(5 * 60_000);
    expect(fiveMinutes).toBeGreaterThan(4 * 60_000);
    // The connection open before the change follows it too.
    expect(await serverKeepAliveMs(listenerPort, before.localPort as number)).toBeLessThanOrEqual(5 * 60_000);

    await stack.store.parameters.update({ keepAliveMinutes: 60 });
    // Once the cached parameters have expired (5 s), the next session reads 60: new and open connections follow.
    await expect
      .poll(
        async () => {
          await phoneSession();
          await open();
          return serverKeepAliveMs(listenerPort, first.localPort as number);
        },
        { timeout: 20_000, interval: 1_000 },
      )
      .toBeGreaterThan(55 * 60_000);
    expect(await serverKeepAliveMs(listenerPort, (sockets.at(-1) as Socket).localPort as number)).toBeGreaterThan(55 * 60_000);
  });

  it('refuses a value outside 5-60 minutes', async () => {
    await expect(stack.store.parameters.update({ keepAliveMinutes: 4 })).rejects.toThrow(/keepAliveMinutes must be an integer from 5 to 60/);
    await expect(stack.store.parameters.update({ keepAliveMinutes: 61 })).rejects.toThrow(/from 5 to 60/);
  });
});
