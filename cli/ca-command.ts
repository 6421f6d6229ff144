// `capf ca show|export|regenerate|import`: the CAPF certificate (F4) through the admin API (--endpoint, a running
// capf serve) or, with neither, the data folder. Export is what CUCM's CallManager-trust and the phones' ITL/CTL
// need; regenerate and import apply to running listeners and signers without a restart, and the replaced certificate
// stays in CAPF-trust so the LSCs it issued still authenticate.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CaChangeResult, CapfCaView } from '../shared/admin/ca.ts';
import { ValidationError } from '../shared/errors.ts';
import { readInputFile } from './admin/input-file.ts';
import { DATA_HELP, ENDPOINT_HELP, withTarget, type TargetOptions } from './admin/open-target.ts';
import { printJson } from './admin/table.ts';
import { oneOf } from './options.ts';


function viewText(view: CapfCaView): string {
  const lines = [
    `CAPF certificate ${view.id}`,
    `  subject:   ${view.subject}`,
    `  issuer:    ${view.issuer}`,
    `  serial:    ${view.serialHex}`,
    `  key:       ${view.key} (key id ${view.keyId})`,
    `  valid:     ${view.notBefore} to ${view.notAfter}`,
    `  kept in:   ${view.where}`,
  ];
  if (view.previous.length === 0) lines.push('  previous:  none in CAPF-trust');
  for (const entry of view.previous) lines.push(`  previous:  ${entry.id.slice(0, 16)} ${entry.subject} (until ${entry.notAfter.slice(0, 10)}; capf trust remove ${entry.id.slice(0, 16)} once its LSCs are replaced)`);
  return lines.join('\n');
}

function changeText(result: CaChangeResult): string {
  return [
    viewText(result.current),
    `replaced ${result.replaced.id.slice(0, 16)} (${result.replaced.subject})${result.replaced.keptInCapfTrust ? ', kept in CAPF-trust' : ''}`,
    'next: capf ca export --out capf.pem, and upload it to CUCM (CallManager-trust) and the phones\' ITL/CTL',
  ].join('\n');
}

export function registerCaCommands(program: Command): void {
  const ca = program.command('ca').description('the CAPF certificate (F4): show, export for CUCM, regenerate, import your own');
  const data = ['--data <dir>', DATA_HELP] as const;
  const endpoint = ['--endpoint <url>', ENDPOINT_HELP] as const;
  ca.command('show')
    .description('the CAPF certificate in use and the replaced ones still in CAPF-trust')
    .option(...data)
    .option(...endpoint)
    .option('--json', 'print JSON')
    .action(async (opts: TargetOptions & { json?: boolean }) => {
      await withTarget(opts, async (admin) => {
        const view = await admin.ca.show();
        if (opts.json) printJson(view);
        else process.stdout.write(`${viewText(view)}\n`);
      });
    });
  ca.command('export')
    .description('the CAPF certificate as PEM (never the key): upload it to CUCM as CallManager-trust')
    .option(...data)
    .option(...endpoint)
    .option('--out <file>', 'write it to this file instead of standard output')
    .action(async (opts: TargetOptions & { out?: string }) => {
      await withTarget(opts, async (admin) => {
        const pem = await admin.ca.export();
        if (opts.out === undefined) {
          process.stdout.write(pem);
          return;
        }
        try {
          await writeFile(opts.out, pem);
        } catch (error) {
          throw new ValidationError(`cannot write --out ${opts.out} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'FILE_UNWRITABLE');
        }
        process.stdout.write(`wrote the CAPF certificate to ${opts.out}\n`);
      });
    });
  ca.command('regenerate')
    .description('a new CAPF certificate and key; running listeners and signers use it at once, the old one stays in CAPF-trust')
    .option(...data)
    .option(...endpoint)
    .option('--key-type <type>', 'rsa (2048) or ec (P-256); default: the type of the current key', oneOf(['rsa', 'ec'] as const))
    .option('--common-name <cn>', 'CN and DNS name of the new certificate (default CAPF- and 8 random hex digits)')
    .option('--json', 'print JSON')
    .action(async (opts: TargetOptions & { keyType?: 'rsa' | 'ec'; commonName?: string; json?: boolean }) => {
      await withTarget(opts, async (admin) => {
        const result = await admin.ca.regenerate({ ...(opts.keyType ? { keyType: opts.keyType } : {}), ...(opts.commonName !== undefined ? { commonName: opts.commonName } : {}) });
        if (opts.json) printJson(result);
        else process.stdout.write(`${changeText(result)}\n`);
      });
    });
  ca.command('import')
    .description('replace the CAPF certificate with yours (CA:TRUE, digitalSignature + keyCertSign, RSA up to 2048 or EC)')
    .option(...data)
    .option(...endpoint)
    .requiredOption('--cert <file>', 'the certificate, PEM')
    .requiredOption('--key <file>', 'its private key, unencrypted PEM (kept with mode 0600; never printed)')
    .option('--json', 'print JSON')
    .action(async (opts: TargetOptions & { cert: string; key: string; json?: boolean }) => {
      await withTarget(opts, async (admin) => {
        const [certificatePem, privateKeyPem] = await Promise.all([readInputFile(opts.cert, '--cert file'), readInputFile(opts.key, '--key file')]);
        const result = await admin.ca.import(certificatePem, privateKeyPem);
        if (opts.json) printJson(result);
        else process.stdout.write(`${changeText(result)}\n`);
      });
    });
}
