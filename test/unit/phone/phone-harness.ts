// Runs the simulated phone against one scripted server session and hands back both sides.
import type { TlsOptions } from 'node:tls';
import { Opcode, element } from '../../../shared/protocol/index.ts';
import { runPhone } from '../../../cli/phone/simulator.ts';
import type { PhoneOptions, PhoneResult } from '../../../cli/phone/types.ts';
import { startScriptedServer, type ReceivedFrame, type Script, type ScriptedConnection } from './scripted-server.ts';
import type { TestCa } from './test-pki.ts';

export const DEVICE = 'SEPAAAA00000001';

/** Hex from the spec's notation: spaces and `|` are ignored. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[^0-9a-f]/gi, ''), 'hex');
}

export function asciiHex(text: string): string {
  return Buffer.from(text, 'latin1').toString('hex');
}

/** Starts a session the way capfd does: AUTH_REQUEST{VERSION=3, AUTH_TYPE=0}; returns the phone's AUTH_RESPONSE. */
export async function greet(connection: ScriptedConnection, sessionId: number): Promise<ReceivedFrame> {
  connection.send(Opcode.AuthRequest, sessionId, [element.version(3), element.authType(0)]);
  return connection.expectFrame();
}

/**
 * Runs the phone against `script` and waits for both. Without a script (a handshake that fails, a phone that drops at
 * once) the server does nothing and only the phone is waited for.
 */
export async function runPhoneAgainst(
  ca: TestCa,
  script: Script | undefined,
  options: Partial<PhoneOptions> = {},
  tlsOptions: TlsOptions = {},
): Promise<PhoneResult> {
  const server = await startScriptedServer(ca, script ?? (async () => undefined), tlsOptions);
  try {
    const result = await runPhone({
      host: '127.0.0.1',
      port: server.port,
      deviceName: DEVICE,
      caPem: ca.certificatePem,
      timeoutMs: 20_000,
      ...options,
    });
    if (script) await server.done;
    return result;
  } finally {
    await server.close();
  }
}

