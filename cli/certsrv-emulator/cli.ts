// `capf certsrv-emulator`: runs the emulator in the foreground for demos and manual tests. It prints what an
// administrator types into the Online CA settings (never the password) and, with --settings-out, writes them as the
// JSON file `capf serve --issuer microsoft-ca --issuer-config` reads (mode 0600: it holds the password). The caller
// keeps the process alive and calls close() on exit.
import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { emulatorIssuerSettings } from './issuer-settings.ts';
import { CERTSRV_LOCALES, type CertsrvLocale } from './locales.ts';
import { DEFAULT_ACCOUNT, DEFAULT_TEMPLATE, startCertsrvEmulator, type AuthScheme, type CertsrvEmulator } from './server.ts';

interface CliOptions {
  port: number;
  hostname: string;
  locale: CertsrvLocale;
  user: string;
  password: string;
  template: string;
  pending: boolean;
  keyEncipherment: boolean;
  basic: boolean;
  settingsOut?: string;
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new InvalidArgumentError('a port is 0-65535');
  return parsed;
}

/** Parses `argv` (options only, no program name), starts the emulator and writes its settings to `out`. */
export async function runCertsrvEmulatorCli(
  argv: string[],
  out: { write(text: string): unknown } = process.stdout,
): Promise<CertsrvEmulator> {
  const program = new Command('certsrv-emulator')
    .description('a local AD CS web enrollment (/certsrv) emulator on 127.0.0.1')
    .option('--port <n>', 'TCP port (0 = any free port)', port, 0)
    .option('--hostname <name>', 'host name in the HTTPS certificate', 'adcs.corp.capf.test')
    .addOption(new Option('--locale <code>', 'language of the pages').choices([...CERTSRV_LOCALES]).default('en'))
    .option('--user <name>', 'enrollment account (sAMAccountName)', DEFAULT_ACCOUNT.user)
    .option('--password <secret>', 'its password', DEFAULT_ACCOUNT.password)
    .option('--template <name>', 'certificate template name', DEFAULT_TEMPLATE)
    .option('--pending', 'the template needs CA manager approval', false)
    .option('--no-key-encipherment', 'issue certificates without keyEncipherment (misconfigured template)')
    .option('--basic', 'offer Basic authentication besides Negotiate/NTLM', false)
    .option('--settings-out <file>', 'write the settings for capf serve --issuer microsoft-ca --issuer-config FILE')
    .exitOverride()
    .configureOutput({ writeOut: (text) => out.write(text), writeErr: (text) => out.write(text) });
  program.parse(argv, { from: 'user' });
  const options = program.opts<CliOptions>();
  const schemes: AuthScheme[] = options.basic ? ['Negotiate', 'NTLM', 'Basic'] : ['Negotiate', 'NTLM'];
  const emulator = await startCertsrvEmulator({
    port: options.port,
    hostname: options.hostname,
    locale: options.locale,
    accounts: [{ user: options.user, password: options.password }],
    authSchemes: schemes,
    templates: [{ name: options.template, outcome: options.pending ? 'pending' : 'issue', keyEncipherment: options.keyEncipherment }],
  });
  if (options.settingsOut !== undefined) {
    const settings = emulatorIssuerSettings(emulator, { account: { user: options.user, password: options.password }, template: options.template });
    await writeFile(options.settingsOut, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  }
  out.write(
    [
      `certsrv emulator listening on https://127.0.0.1:${emulator.port}/certsrv/ (certificate for ${emulator.hostname})`,
      `Online CA settings: host ${emulator.hostname}, port ${emulator.port}, connect address 127.0.0.1,`,
      `  template ${options.template}, user CORP\\${options.user}, authentication ${schemes.join('/')}`,
      'Trust this CA (CAPF-trust) for the HTTPS certificate and the issued LSCs:',
      emulator.caCertificatePem.trim(),
      ...(options.settingsOut !== undefined ? [`Settings for capf serve --issuer microsoft-ca --issuer-config ${options.settingsOut} written there`] : []),
      '',
    ].join('\n'),
  );
  return emulator;
}
