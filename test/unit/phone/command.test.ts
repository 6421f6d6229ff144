// `capf phone` end to end against the scripted server: option wiring, files written, summary and exit status.
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Opcode, element } from '../../../shared/protocol/index.ts';
import { registerPhoneCommand } from '../../../cli/phone/command.ts';
import { DEVICE, greet } from './phone-harness.ts';
import { startScriptedServer, type Script } from './scripted-server.ts';
import { issueCertificate, makeCa, makeCredential, type TestCa } from './test-pki.ts';

let ca: TestCa;
let dir: string;

beforeAll(async () => {
  ca = await makeCa();
  dir = await mkdtemp(join(tmpdir(), 'capf-phone-'));
  await writeFile(join(dir, 'capf-ca.pem'), ca.certificatePem);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `capf phone ARGS --port <scripted server>`; returns printed lines and the exit status the command set. */
async function capfPhone(script: Script, args: string[]) {
  const server = await startScriptedServer(ca, script);
  const out: string[] = [];
  const err: string[] = [];
  let exitCode: number | undefined;
  const program = new Command('capf').exitOverride().configureOutput({ writeErr: (text) => err.push(text), writeOut: (text) => out.push(text) });
  registerPhoneCommand(program, { out: (line) => out.push(line), err: (line) => err.push(line), setExitCode: (code) => (exitCode = code) });
  try {
    await program.parseAsync(['node', 'capf', 'phone', ...args, '--port', String(server.port)]);
    await server.done;
  } finally {
    await server.close();
  }
  return { out, err, exitCode };
}

const installScript: Script = async (connection) => {
  await greet(connection, 1);
  connection.send(Opcode.KeyGenerateRequest, 1, [element.keySize(1024), element.keyType(0)]);
  let frame = await connection.expectFrame();
  while (frame.message.opcode === Opcode.RequestInProgress) frame = await connection.expectFrame();
  const certificate = await issueCertificate(ca, frame.fields.publicKey ?? new Uint8Array(), DEVICE);
  connection.send(Opcode.StoreCertificateRequest, 1, [element.certificateType(1), element.certificate(certificate)]);
  await connection.expectFrame();
  connection.endSession(1, 1);
};

/** A server with nothing scheduled (0) or that does not know the device (9). */
function endAfterAuth(reason: number): Script {
  return async (connection) => {
    await greet(connection, 5);
    connection.endSession(5, reason);
  };
}

describe('capf phone', () => {
  it('install with --data: exit 0, writes the LSC and a 0600 key that belongs to it', async () => {
    const out = join(dir, 'lsc.pem');
    const keyOut = join(dir, 'key.pem');
    const run = await capfPhone(installScript, ['install', DEVICE, '--data', dir, '--out', out, '--key-out', keyOut, '--verbose']);
    expect(run.exitCode).toBe(0);
    expect(run.err).toEqual([]);
    expect(run.out).toContain('END_SESSION 1 (done)');
    expect(run.out.some((line) => /^session 1 with 127\.0\.0\.1:\d+ over TLSv1\.3$/.test(line))).toBe(true);
    expect(run.out).toContain('P→S KeyGenerateResponse session 1 tags [9]');
    const certificate = new X509Certificate(await readFile(out, 'utf8'));
    const key = createPrivateKey(await readFile(keyOut, 'utf8'));
    expect(createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(certificate.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
    expect((await stat(keyOut)).mode & 0o777).toBe(0o600);
  });

  it('fetch with --ca and --lsc: exit 0 on END 0', async () => {
    const lsc = await makeCredential(ca, 'ec', DEVICE);
    const lscFile = join(dir, 'current-lsc.pem');
    await writeFile(lscFile, lsc.certificatePem);
    let sent: Uint8Array | undefined;
    const run = await capfPhone(
      async (connection) => {
        await greet(connection, 2);
        connection.send(Opcode.FetchCertificateRequest, 2, []);
        sent = (await connection.expectFrame()).fields.certificate?.der;
        connection.endSession(2, 0);
      },
      ['fetch', DEVICE, '--ca', join(dir, 'capf-ca.pem'), '--lsc', lscFile],
    );
    expect(run.exitCode).toBe(0);
    expect(Buffer.from(sent ?? []).equals(lsc.certificateDer)).toBe(true);
    expect(run.out).toContain('sent the LSC to the server');
  });

  it('--password and --split-header reach the wire', async () => {
    let password = '';
    let firstRead = -1;
    await capfPhone(
      async (connection) => {
        const frame = await greet(connection, 3);
        password = Buffer.from(frame.fields.password ?? []).toString();
        firstRead = connection.chunks[0]?.length ?? -1;
        connection.endSession(3, 0);
      },
      ['fetch', DEVICE, '--data', dir, '--password', '1234', '--split-header'],
    );
    expect(password).toBe('1234');
    expect(firstRead).toBe(4);
  });

  it.each([
    [0, 'the server has no operation scheduled for SEPAAAA00000001'],
    [9, 'the server does not know device SEPAAAA00000001 (END_SESSION 9)'],
    [7, 'the server ended the session with 7 (failed) right after authentication'],
  ])('delete when the server ends with %i: exit 1 and says why', async (reason, message) => {
    const run = await capfPhone(endAfterAuth(reason), ['delete', DEVICE, '--data', dir]);
    expect(run.exitCode).toBe(1);
    expect(run.err).toEqual([`capf phone delete: ${message}`]);
  });

  it('install when the server asks for a fetch: exit 1', async () => {
    const run = await capfPhone(
      async (connection) => {
        await greet(connection, 4);
        connection.send(Opcode.FetchCertificateRequest, 4, []);
        await connection.expectFrame();
        connection.endSession(4, 0);
      },
      ['install', DEVICE, '--data', dir],
    );
    expect(run.exitCode).toBe(1);
    expect(run.err[0]).toMatch(/asked for fetch, not install/);
  });

  it('a missing CAPF certificate is a ConfigError naming the file', async () => {
    await expect(capfPhone(async () => undefined, ['install', DEVICE, '--data', join(dir, 'nowhere')])).rejects.toMatchObject({
      code: 'PHONE_FILE',
      message: expect.stringContaining(join(dir, 'nowhere', 'capf-ca.pem')),
    });
  });

  it('rejects an unknown operation and an unknown step', async () => {
    await expect(capfPhone(async () => undefined, ['renew', DEVICE])).rejects.toBeInstanceOf(CommanderError);
    await expect(capfPhone(async () => undefined, ['install', DEVICE, '--silent-after', 'lunch'])).rejects.toBeInstanceOf(CommanderError);
  });
});
