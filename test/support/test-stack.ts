// A local stack for one test file: temp data folder, dynalite in-process, listener on 127.0.0.1 with short timeouts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLogger } from '../../shared/logging.ts';
import { hashAuthString, isHashedAuthString } from '../../shared/domain/auth-string.ts';
import type { DeviceSettings } from '../../shared/ports/index.ts';
import { localAdmin } from '../../cli/local/local-admin.ts';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../cli/local/local-stack.ts';
import { runPhone } from '../../cli/phone/simulator.ts';
import type { PhoneOptions, PhoneResult } from '../../cli/phone/types.ts';

export interface TestStack {
  stack: LocalStack;
  port: number;
  dataDir: string;
  logger: MemoryLogger;
  caPem: string;
  setDevice(settings: Partial<DeviceSettings> & { name: string }): ReturnType<LocalStack['store']['devices']['put']>;
  phone(deviceName: string, options?: Partial<PhoneOptions>): Promise<PhoneResult>;
  close(): Promise<void>;
}

export async function startTestStack(
  options: Partial<Omit<LocalStackOptions, 'dataDir' | 'logger'>> & { trustPem?: string[]; files?: Record<string, string> } = {},
): Promise<TestStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'capf-test-'));
  for (const [name, text] of Object.entries(options.files ?? {})) await writeFile(join(dataDir, name), text, { mode: 0o600 });
  const logger = new MemoryLogger();
  const stack = await startLocalStack({
    dataDir,
    hosts: ['127.0.0.1'],
    port: 0,
    logger,
    messageTimeoutMs: 1_500,
    keygenTimeoutMs: 5_000,
    handshakeTimeoutMs: 1_500,
    ...options,
  });
  const port = stack.addresses[0]?.port as number;
  // CAPF-trust is edited through the admin service only, as `capf trust add` does.
  const trust = localAdmin(dataDir, stack.store).trust;
  for (const pem of options.trustPem ?? []) await trust.add({ actor: 'test' }, pem, { store: 'capf', description: 'test anchor' });
  return {
    stack,
    port,
    dataDir,
    logger,
    caPem: stack.ca.certificatePem,
    // A clear authentication string is hashed with the stack's key first, as `capf device set` does.
    setDevice: ({ authString, ...settings }) =>
      stack.store.devices.put(
        {
          operation: 'install',
          authMode: 'null-string',
          keyOrder: 'rsa',
          rsaKeySize: 2048,
          curve: 'P-256',
          ...settings,
          ...(authString === undefined ? {} : { authString: isHashedAuthString(authString) ? authString : hashAuthString(authString, stack.authStringKey) }),
        },
        { newOperation: true },
      ),
    phone: (deviceName, phoneOptions = {}) => runPhone({ host: '127.0.0.1', port, deviceName, caPem: stack.ca.certificatePem, timeoutMs: 8_000, ...phoneOptions }),
    async close() {
      await stack.close(1_000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
