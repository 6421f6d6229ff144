// `capf template create|list|show|delete|default`: universal device templates (F10) through the admin API (or the
// data folder's store run through the same router when no API is up). A device created with `--template NAME` (device
// set, CSV import, the API) gets the template's settings for what it leaves out; the default template applies to
// devices created without one.
import type { Command } from 'commander';
import { AUTH_MODES, CERTIFICATE_OPERATIONS, EC_CURVES, KEY_ORDERS, RSA_KEY_SIZES } from '../shared/model.ts';
import type { DeviceTemplate } from '../shared/ports/index.ts';
import { withAdminApi } from './admin/admin-api.ts';
import { ENDPOINT_HELP, type TargetOptions } from './admin/open-target.ts';
import { printJson, table } from './admin/table.ts';
import { integer, oneOf, oneOfNumbers } from './options.ts';
import { ValidationError } from '../shared/errors.ts';

const DATA_HELP = 'data folder (default: $CAPF_DATA_DIR, else the nearest .capf here or above, else ./.capf)';
type Shown = DeviceTemplate & { isDefault: boolean };

interface CreateOptions extends TargetOptions {
  description?: string;
  operation?: DeviceTemplate['operation'];
  authMode?: DeviceTemplate['authMode'];
  keyOrder?: DeviceTemplate['keyOrder'];
  rsaSize?: number;
  curve?: DeviceTemplate['curve'];
  deadlineDays?: number;
  default?: boolean;
  json?: boolean;
}

function keyText(t: DeviceTemplate): string {
  const parts = [t.keyOrder ?? '-', t.rsaKeySize ? `RSA ${t.rsaKeySize}` : '', t.curve ?? ''].filter(Boolean);
  return parts.join(' ');
}

export function formatTemplate(t: Shown): string {
  return [
    `Template ${t.name}${t.isDefault ? ' (default)' : ''}`,
    ...(t.description ? [`  description: ${t.description}`] : []),
    `  operation:   ${t.operation ?? '(device default: none)'}${t.deadlineDays ? `, completes within ${t.deadlineDays} days of creation` : ''}`,
    `  auth mode:   ${t.authMode ?? '(device default: null-string)'}${t.authMode === 'auth-string' ? ' (a string is generated per device unless one is given)' : ''}`,
    `  key:         ${t.keyOrder ?? '(device default: rsa)'}${t.rsaKeySize ? `, RSA ${t.rsaKeySize}` : ''}${t.curve ? `, ${t.curve}` : ''}`,
    `  created:     ${t.createdAt}`,
  ].join('\n');
}

function withCommon(command: Command): Command {
  return command.option('--data <dir>', DATA_HELP).option('--endpoint <url>', ENDPOINT_HELP);
}

export function registerTemplateCommands(program: Command): void {
  const template = program.command('template').description('universal device templates (F10): CAPF defaults for devices created through them');
  withCommon(template.command('create <name>').description('create a template (name: 1-64 of A-Z a-z 0-9 _ . -)'))
    .option('--description <text>', 'what the template is for (at most 200 characters)')
    .option('--operation <op>', `operation armed on devices created through it: ${CERTIFICATE_OPERATIONS.join(', ')}`, oneOf(CERTIFICATE_OPERATIONS))
    .option('--auth-mode <mode>', `${AUTH_MODES.join(', ')} (auth-string: each device gets a generated string, shown once, unless one is given)`, oneOf(AUTH_MODES))
    .option('--key-order <order>', KEY_ORDERS.join(', '), oneOf(KEY_ORDERS))
    .option('--rsa-size <bits>', RSA_KEY_SIZES.join(', '), oneOfNumbers(RSA_KEY_SIZES))
    .option('--curve <curve>', EC_CURVES.join(', '), oneOf(EC_CURVES))
    .option('--deadline-days <n>', 'the operation must complete within this many days of the device\'s creation, 1-365', integer(1, 365))
    .option('--default', 'also make it the default template (devices created without --template get it)')
    .option('--json', 'print the template as JSON')
    .action(async (name: string, opts: CreateOptions) => {
      const body = {
        name,
        ...(opts.description !== undefined ? { description: opts.description } : {}),
        ...(opts.operation ? { operation: opts.operation } : {}),
        ...(opts.authMode ? { authMode: opts.authMode } : {}),
        ...(opts.keyOrder ? { keyOrder: opts.keyOrder } : {}),
        ...(opts.rsaSize ? { rsaKeySize: opts.rsaSize } : {}),
        ...(opts.curve ? { curve: opts.curve } : {}),
        ...(opts.deadlineDays ? { deadlineDays: opts.deadlineDays } : {}),
        ...(opts.default ? { default: true } : {}),
      };
      await withAdminApi(opts, async (api) => {
        const created = await api.call<Shown>({ method: 'POST', path: '/v1/templates', body }, [201]);
        if (opts.json) return printJson(created);
        process.stdout.write(`created template ${created.name}\n${formatTemplate(created)}\n`);
      });
    });
  withCommon(template.command('list').description('list the templates (* marks the default)'))
    .option('--json', 'print JSON')
    .action(async (opts: TargetOptions & { json?: boolean }) => {
      await withAdminApi(opts, async (api) => {
        const listed = await api.call<{ templates: DeviceTemplate[]; defaultTemplate?: string }>({ method: 'GET', path: '/v1/templates' });
        if (opts.json) return printJson(listed);
        if (listed.templates.length === 0) return void process.stdout.write(`no templates in ${api.description}: create one with capf template create NAME\n`);
        const rows = listed.templates.map((t) => [`${t.name}${t.name === listed.defaultTemplate ? ' *' : ''}`, t.operation ?? '-', t.authMode ?? '-', keyText(t), t.deadlineDays ? `${t.deadlineDays}d` : '-', t.description ?? '']);
        process.stdout.write(`${table(['NAME', 'OPERATION', 'AUTH MODE', 'KEY', 'DEADLINE', 'DESCRIPTION'], rows)}\n`);
      });
    });
  withCommon(template.command('show <name>').description('show a template'))
    .option('--json', 'print JSON')
    .action(async (name: string, opts: TargetOptions & { json?: boolean }) => {
      await withAdminApi(opts, async (api) => {
        const shown = await api.call<Shown>({ method: 'GET', path: `/v1/templates/${encodeURIComponent(name)}` });
        if (opts.json) printJson(shown);
        else process.stdout.write(`${formatTemplate(shown)}\n`);
      });
    });
  withCommon(template.command('delete <name>').description('delete a template (devices created through it keep their settings)'))
    .action(async (name: string, opts: TargetOptions) => {
      await withAdminApi(opts, async (api) => {
        await api.call({ method: 'DELETE', path: `/v1/templates/${encodeURIComponent(name)}` });
        process.stdout.write(`deleted template ${name} (${api.description})\n`);
      });
    });
  withCommon(template.command('default [name]').description('make a template the default, or with --none clear the default'))
    .option('--none', 'no default template')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, opts: TargetOptions & { none?: boolean; json?: boolean }) => {
      if ((name === undefined) === (opts.none !== true)) throw new ValidationError('give a template name, or --none to clear the default', 'INVALID_ARGUMENTS');
      await withAdminApi(opts, async (api) => {
        const answer = await api.call<{ defaultTemplate?: string }>({ method: 'PUT', path: '/v1/template-default', body: { name: name ?? null } });
        if (opts.json) return printJson(answer);
        process.stdout.write(answer.defaultTemplate ? `default template: ${answer.defaultTemplate}\n` : 'no default template\n');
      });
    });
}
