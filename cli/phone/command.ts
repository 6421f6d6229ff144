// `capf phone <install|fetch|delete> <deviceName>`: one CAPF session as a simulated phone, with a short summary.
// Exit status: 0 when the server asked for that operation and ended it as expected, 1 otherwise; unusable options
// raise ConfigError (cli/main.ts prints it and exits 1).
import { Argument, type Command } from 'commander';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecureVersion } from 'node:tls';
import { ConfigError } from '../../shared/errors.ts';
import { defaultDataDir, hostPort, integer, oneOf } from '../options.ts';
import { formatTranscript, judgeSession, PHONE_VERBS, type PhoneVerb } from './session-report.ts';
import { PHONE_STEPS, type PhoneAuth, type PhoneMisbehaviour, type PhoneOptions } from './types.ts';

/** The misbehaviour switches that keep their names on the command line (--split-header → splitHeader, ...). */
const SWITCHES = ['splitHeader', 'trickle', 'wrongSessionId', 'unknownTags', 'failStore', 'failKeygen', 'silentAfter', 'dropAfter'] as const;

export interface PhoneCommandOptions extends Pick<PhoneMisbehaviour, (typeof SWITCHES)[number]> {
  host: string;
  port: number;
  ca?: string;
  data?: string;
  insecure?: boolean;
  password?: string;
  cert?: string;
  key?: string;
  sudiCert?: string;
  sudiKey?: string;
  lsc?: string;
  pendingKey?: string;
  out?: string;
  keyOut?: string;
  version: number;
  tlsMin?: SecureVersion;
  tlsMax?: SecureVersion;
  timeout: number;
  inProgress?: number;
  verbose?: boolean;
}

export interface PhoneCommandIo {
  out(line: string): void;
  err(line: string): void;
  setExitCode(code: number): void;
}

const processIo: PhoneCommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

const TLS_VERSIONS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'PHONE_FILE');
  }
}

async function readAuth(opts: PhoneCommandOptions): Promise<PhoneAuth> {
  if ((opts.cert === undefined) !== (opts.key === undefined)) throw new ConfigError('--cert and --key go together', 'PHONE_OPTIONS');
  if ((opts.sudiCert === undefined) !== (opts.sudiKey === undefined)) throw new ConfigError('--sudi-cert and --sudi-key go together', 'PHONE_OPTIONS');
  if (opts.sudiCert && !opts.cert) throw new ConfigError('SUDI data goes with certificate authentication (--cert/--key)', 'PHONE_OPTIONS');
  if (opts.cert && opts.password !== undefined) throw new ConfigError('choose --password or --cert/--key, not both', 'PHONE_OPTIONS');
  if (opts.password !== undefined) return { mode: 'password', password: opts.password };
  if (!opts.cert || !opts.key) return { mode: 'null' };
  const sudi =
    opts.sudiCert && opts.sudiKey
      ? { certificatePem: await readText(opts.sudiCert, 'SUDI certificate'), privateKeyPem: await readText(opts.sudiKey, 'SUDI key') }
      : undefined;
  return {
    mode: 'certificate',
    certificatePem: await readText(opts.cert, 'certificate'),
    privateKeyPem: await readText(opts.key, 'key'),
    ...(sudi ? { sudi } : {}),
  };
}

function misbehaviourFromCommand(opts: PhoneCommandOptions): PhoneMisbehaviour {
  const misbehave: PhoneMisbehaviour = opts.inProgress !== undefined ? { inProgressCount: opts.inProgress } : {};
  for (const name of SWITCHES) if (opts[name] !== undefined) Object.assign(misbehave, { [name]: opts[name] });
  return misbehave;
}

/** The PhoneOptions for the command line; reads every file it names. */
async function phoneOptionsFromCommand(deviceName: string, opts: PhoneCommandOptions): Promise<PhoneOptions> {
  const caPem = opts.insecure ? undefined : await readText(opts.ca ?? join(opts.data ?? defaultDataDir(), 'capf-ca.pem'), 'CAPF certificate');
  return {
    host: opts.host,
    port: opts.port,
    deviceName,
    ...(caPem ? { caPem } : { insecure: true }),
    auth: await readAuth(opts),
    version: opts.version,
    timeoutMs: opts.timeout,
    ...(opts.tlsMin ? { minVersion: opts.tlsMin } : {}),
    ...(opts.tlsMax ? { maxVersion: opts.tlsMax } : {}),
    ...(opts.lsc ? { lscPem: await readText(opts.lsc, 'LSC') } : {}),
    ...(opts.pendingKey ? { pendingKeyPem: await readText(opts.pendingKey, 'pending key') } : {}),
    misbehave: misbehaviourFromCommand(opts),
  };
}

/** Runs the session, prints the summary, writes --out/--key-out; returns the exit status. */
async function runPhoneCommand(verb: PhoneVerb, deviceName: string, opts: PhoneCommandOptions, io: PhoneCommandIo): Promise<number> {
  const options = await phoneOptionsFromCommand(deviceName, opts);
  const { runPhone } = await import('./simulator.ts'); // with its crypto and PKI modules, only when a session runs
  const result = await runPhone(options);
  const verdict = judgeSession(verb, deviceName, hostPort(opts.host, opts.port), result);
  if (opts.verbose) for (const line of formatTranscript(result)) io.out(line);
  for (const line of verdict.lines) io.out(line);
  if (opts.out && result.certificatePem) {
    await writeFile(opts.out, result.certificatePem);
    io.out(`certificate written to ${opts.out}`);
  }
  if (opts.keyOut && result.privateKeyPem) {
    await writeFile(opts.keyOut, result.privateKeyPem, { mode: 0o600 });
    await chmod(opts.keyOut, 0o600); // mode applies only when the file is created
    io.out(`private key written to ${opts.keyOut}`);
  }
  if (verdict.ok) return 0;
  io.err(`capf phone ${verb}: ${verdict.problem ?? 'failed'}`);
  return 1;
}

export function registerPhoneCommand(program: Command, io: PhoneCommandIo = processIo): Command {
  const step = oneOf(PHONE_STEPS);
  return program
    .command('phone')
    .description('act as a Cisco phone for one CAPF session (install, fetch or delete its LSC)')
    .addArgument(new Argument('<operation>', 'what the phone expects the server to ask').choices(PHONE_VERBS))
    .argument('<deviceName>', 'the phone name, e.g. SEP001122334455')
    .option('--host <host>', 'CAPF server', '127.0.0.1')
    .option('--port <port>', 'CAPF port', integer(1, 65535), 3804)
    .option('--ca <file>', 'the CAPF certificate to trust (default: <data>/capf-ca.pem)')
    .option('--data <dir>', 'data folder holding capf-ca.pem (default: $CAPF_DATA_DIR or ./.capf)')
    .option('--insecure', 'do not verify the server certificate')
    .option('--password <string>', 'authenticate with this authentication string')
    .option('--cert <file>', 'authenticate with this existing LSC or MIC (PEM)')
    .option('--key <file>', 'the private key of --cert')
    .option('--sudi-cert <file>', 'also send SUDI data with this certificate')
    .option('--sudi-key <file>', 'the private key of --sudi-cert')
    .option('--lsc <file>', 'the LSC the phone holds now (for fetch and delete)')
    .option('--pending-key <file>', 'a key generated in an earlier session whose certificate comes now (offline CA)')
    .option('--out <file>', 'write the stored LSC here')
    .option('--key-out <file>', 'write the newly generated private key here (mode 0600)')
    .option('--version <n>', 'CAPF protocol version to announce: 3, or 2 like Jabber', integer(2, 3), 3)
    .option('--tls-min <version>', 'lowest TLS version (TLSv1 for a 7900-style phone)', oneOf(TLS_VERSIONS))
    .option('--tls-max <version>', 'highest TLS version', oneOf(TLS_VERSIONS))
    .option('--timeout <ms>', 'limit for the handshake and each wait for the server', integer(1, 3_600_000), 30_000)
    .option('--in-progress <n>', 'REQUEST_IN_PROGRESS messages before the key answer', integer(0, 100))
    .option('--split-header', 'misbehave: send each header as 4 + 4 bytes in two writes')
    .option('--trickle', 'misbehave: one byte per write')
    .option('--wrong-session-id', 'misbehave: answer with session id + 1')
    .option('--unknown-tags', 'misbehave: add tags 19 and 99 to AUTH_RESPONSE')
    .option('--fail-store', 'misbehave: refuse to store the certificate (REASON 7)')
    .option('--fail-keygen', 'misbehave: fail key generation (REASON 7, no public key)')
    .option('--silent-after <step>', `misbehave: stop answering after ${PHONE_STEPS.join(' | ')}`, step)
    .option('--drop-after <step>', `misbehave: close the connection at ${PHONE_STEPS.join(' | ')}`, step)
    .option('--verbose', 'print every message of the session')
    .action(async (verb: PhoneVerb, deviceName: string, opts: PhoneCommandOptions) => {
      io.setExitCode(await runPhoneCommand(verb, deviceName, opts, io));
    });
}
