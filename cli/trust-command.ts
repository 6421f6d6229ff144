// `capf trust list|add|show|remove|remove-mic-roots`: CAPF-trust and CallManager-trust (F6) through the
// admin API (--endpoint, a running capf serve) or, with neither, the data folder.
import type { Command } from 'commander';
import { checkStoreName, TRUST_STORE_LABELS, type TrustEntrySummary, type TrustUploadResult } from '../shared/admin/trust.ts';
import { TRUST_STORE_NAMES, type TrustEntry, type TrustStoreName } from '../shared/ports/index.ts';
import { readInputFile } from './admin/input-file.ts';
import { DATA_HELP, ENDPOINT_HELP, withTarget, type TargetOptions } from './admin/open-target.ts';
import { printJson, table } from './admin/table.ts';
import { oneOf } from './options.ts';

const STORE_HELP = `trust store: ${TRUST_STORE_NAMES.join(' or ')} (CAPF-trust: certificate authentication and the online CA's site; CallManager-trust: what CUCM trusts)`;

function listText(entries: TrustEntrySummary[], store?: TrustStoreName): string {
  if (entries.length === 0) return `no certificates in ${store ? TRUST_STORE_LABELS[store] : 'CAPF-trust or CallManager-trust'}`;
  return table(
    ['ID', 'STORE', 'NOT AFTER', 'SUBJECT', 'DESCRIPTION'],
    entries.map((entry) => [entry.id.slice(0, 16), entry.store, entry.notAfter.slice(0, 10), entry.subject, entry.description]),
  );
}

function addText(result: TrustUploadResult): string {
  const lines: string[] = [];
  for (const chain of result.chains) {
    lines.push(`scenario ${chain.number}: ${chain.meaning}${chain.rootAlreadyTrusted ? ` (its root is in ${TRUST_STORE_LABELS[result.store]} already)` : ''}`);
    for (const cert of chain.certificates) lines.push(`  ${cert.added ? 'added  ' : 'present'} ${cert.id.slice(0, 16)}  ${cert.role.padEnd(12)} ${cert.subject}`);
  }
  lines.push(`${TRUST_STORE_LABELS[result.store]}: ${result.added.length} added, ${result.existing.length} already there`);
  for (const warning of result.warnings) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}

function showText(entry: TrustEntry): string {
  return [
    `${TRUST_STORE_LABELS[entry.store]} ${entry.id}`,
    `  subject:     ${entry.subject}`,
    `  issuer:      ${entry.issuer}`,
    `  key id:      ${entry.keyId}`,
    `  not after:   ${entry.notAfter}`,
    `  description: ${entry.description}`,
    `  added:       ${entry.addedAt}${entry.addedBy ? ` by ${entry.addedBy}` : ''}${entry.source === 'previous-capf-ca' ? ' (a replaced CAPF certificate)' : ''}`,
    entry.pem.trimEnd(),
  ].join('\n');
}

export function registerTrustCommands(program: Command): void {
  const trust = program.command('trust').description('CAPF-trust and CallManager-trust (F6): the CAs certificate authentication and CUCM trust');
  const data = ['--data <dir>', DATA_HELP] as const;
  const endpoint = ['--endpoint <url>', ENDPOINT_HELP] as const;
  trust
    .command('list')
    .description('list the certificates of both stores, or of one')
    .option(...data)
    .option(...endpoint)
    .option('--store <store>', STORE_HELP, oneOf(TRUST_STORE_NAMES))
    .option('--json', 'print JSON')
    .action(async (opts: TargetOptions & { store?: TrustStoreName; json?: boolean }) => {
      await withTarget(opts, async (admin) => {
        const entries = await admin.trust.list(opts.store);
        if (opts.json) printJson(entries);
        else process.stdout.write(`${listText(entries, opts.store)}\n`);
      });
    });
  trust
    .command('add <file>')
    .description("upload a PEM certificate or chain; says which of the admin guide's four scenarios it is, refuses an incomplete chain")
    .option(...data)
    .option(...endpoint)
    .requiredOption('--store <store>', STORE_HELP, oneOf(TRUST_STORE_NAMES))
    .option('--description <text>', 'what this certificate is for (at most 200 characters)')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: TargetOptions & { store: string; description?: string; json?: boolean }) => {
      await withTarget(opts, async (admin) => {
        const text = await readInputFile(file, 'certificate file');
        const result = await admin.trust.add(text, { store: checkStoreName(opts.store), ...(opts.description !== undefined ? { description: opts.description } : {}) });
        if (opts.json) printJson(result);
        else process.stdout.write(`${addText(result)}\n`);
      });
    });
  trust
    .command('show <id>')
    .description('one certificate with its PEM (ID: the SHA-256 fingerprint, or its first 8+ hex digits)')
    .option(...data)
    .option(...endpoint)
    .option('--store <store>', STORE_HELP, oneOf(TRUST_STORE_NAMES))
    .option('--json', 'print JSON')
    .action(async (id: string, opts: TargetOptions & { store?: TrustStoreName; json?: boolean }) => {
      await withTarget(opts, async (admin) => {
        const entries = await admin.trust.show(id, opts.store);
        if (opts.json) printJson(entries);
        else process.stdout.write(`${entries.map(showText).join('\n\n')}\n`);
      });
    });
  trust
    .command('remove <id>')
    .description('remove a certificate (name --store when it is in both)')
    .option(...data)
    .option(...endpoint)
    .option('--store <store>', STORE_HELP, oneOf(TRUST_STORE_NAMES))
    .option('--json', 'print JSON')
    .action(async (id: string, opts: TargetOptions & { store?: TrustStoreName; json?: boolean }) => {
      await withTarget(opts, async (admin) => {
        const removed = await admin.trust.remove(id, opts.store);
        if (opts.json) printJson(removed);
        else process.stdout.write(`removed ${removed.id.slice(0, 16)} (${removed.subject}) from ${TRUST_STORE_LABELS[removed.store]}\n`);
      });
    });
  trust
    .command('remove-mic-roots')
    .description('remove the Cisco MIC roots (CAP-RTP-001, CAP-RTP-002, Cisco_Manufacturing_CA, Cisco_Root_CA_2048) from CallManager-trust')
    .option(...data)
    .option(...endpoint)
    .option('--json', 'print JSON')
    .action(async (opts: TargetOptions & { json?: boolean }) => {
      await withTarget(opts, async (admin) => {
        const removed = await admin.trust.removeMicRoots();
        if (opts.json) printJson(removed);
        else if (removed.length === 0) process.stdout.write('no MIC root was in CallManager-trust\n');
        else process.stdout.write(`${removed.map((entry) => `removed ${entry.id.slice(0, 16)} (${entry.subject}) from CallManager-trust`).join('\n')}\n`);
      });
    });
}
