// `capf device set|get|list|delete`: per-device CAPF settings (F7-F9). They act on the service openTarget picks (the
// data folder's store today: while `capf serve` runs, through its dynalite).
import type { Command } from 'commander';
import { AUTH_MODES, CERTIFICATE_OPERATIONS, EC_CURVES, KEY_ORDERS, RSA_KEY_SIZES, type OperationStatus } from '../shared/model.ts';
import { DEVICE_NAME_RULE, normaliseDeviceName } from '../shared/domain/device-name.ts';
import { NotFoundError } from '../shared/errors.ts';
import { formatCertificates } from './admin/certificates-view.ts';
import { changeFromFlags, changeNotes, type DeviceFlags } from './admin/device-settings.ts';
import { DATA_HELP, ENDPOINT_HELP, withTarget, type TargetOptions } from './admin/open-target.ts';
import { printJson, table } from './admin/table.ts';
import type { DeviceFilter, VisibleDevice } from './admin/target.ts';
import { deadline, integer, oneOf, oneOfNumbers } from './options.ts';

const STATUSES: readonly OperationStatus[] = ['none', 'pending', 'in-progress', 'success', 'failed'];
/** "expired at T" once the deadline of a pending operation has passed (the next session records it so). */
function deadlineText(device: VisibleDevice, now = Date.now()): string {
  if (!device.completesBy) return '';
  const expired = device.operation !== 'none' && Date.parse(device.completesBy) <= now;
  return expired ? ` (expired at ${device.completesBy})` : ` (completes by ${device.completesBy})`;
}

function keyText(device: VisibleDevice): string {
  if (device.keyOrder === 'rsa') return `RSA ${device.rsaKeySize}`;
  return device.keyOrder === 'ec' ? `EC ${device.curve}` : `EC ${device.curve}, else RSA ${device.rsaKeySize}`;
}

export function formatDevice(device: VisibleDevice): string {
  const lines = [
    `Device ${device.name}`,
    `  operation:    ${device.operation}${deadlineText(device)}`,
    `  status:       ${device.status}${device.statusReason ? `: ${device.statusReason}` : ''} (at ${device.statusAt})`,
    ...(device.authFailures ? [`  wrong strings: ${device.authFailures}${device.lockedUntil ? ` (locked until ${device.lockedUntil}; re-arm to unlock)` : ''}`] : []),
    `  auth mode:    ${device.authMode}${device.authMode === 'auth-string' ? (device.authStringSet ? ' (string set)' : ' (no string set)') : ''}`,
    `  key:          ${keyText(device)}`,
  ];
  if (device.lsc) {
    const c = device.lsc;
    lines.push(`  LSC:          serial ${c.serialHex}`, `                subject ${c.subject}`, `                issuer ${c.issuer}`, `                valid ${c.notBefore} to ${c.notAfter}`, `                sha256 ${c.sha256Fingerprint}`, c.pem.trimEnd());
  } else {
    lines.push('  LSC:          none');
  }
  if (device.fetched) lines.push(`  fetched ${device.fetched.certificateType.toUpperCase()} at ${device.fetched.at}: serial ${device.fetched.certificate.serialHex}`);
  return lines.join('\n');
}

function deviceRows(devices: VisibleDevice[]): string[][] {
  return devices.map((d) => [d.name, d.operation, d.status, d.completesBy ? deadlineText(d).slice(2, -1) : '-', d.lsc ? `until ${d.lsc.notAfter}` : 'none']);
}

function filterText(filter: DeviceFilter): string {
  const parts = [filter.status && `--status ${filter.status}`, filter.operation && `--operation ${filter.operation}`, filter.prefix && `--prefix ${filter.prefix}`].filter(Boolean);
  return parts.length > 0 ? ` matching ${parts.join(' ')}` : '';
}

function deviceName(raw: string): string {
  return normaliseDeviceName(raw);
}

interface SetCommandOptions extends TargetOptions, Omit<DeviceFlags, 'noDeadline'> {
  deadline?: boolean; // commander's --no-deadline
  template?: string;
  json?: boolean;
}

export function registerDeviceCommands(program: Command): void {
  const device = program.command('device').description('per-device CAPF settings (F7-F9): create, show, list, delete');
  device
    .command('set <name>')
    .description(`create or change a device; setting an operation arms it again. <name>: ${DEVICE_NAME_RULE}`)
    .option('--data <dir>', DATA_HELP)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .option('--operation <op>', `certificate operation the phone's next session carries out: ${CERTIFICATE_OPERATIONS.join(', ')}`, oneOf(CERTIFICATE_OPERATIONS))
    .option('--auth-mode <mode>', `how the phone proves who it is: ${AUTH_MODES.join(', ')} (default null-string)`, oneOf(AUTH_MODES))
    .option('--auth-string <string>', 'authentication string the phone user types, 4-64 printable characters; sets --auth-mode auth-string')
    .option('--generate', 'generate an 8-digit authentication string (printed once); sets --auth-mode auth-string')
    .option('--key-order <order>', `key the phone is asked for: ${KEY_ORDERS.join(', ')} (ec-rsa: EC preferred, RSA backup; default rsa)`, oneOf(KEY_ORDERS))
    .option('--rsa-size <bits>', `RSA key size: ${RSA_KEY_SIZES.join(', ')} (default 2048)`, oneOfNumbers(RSA_KEY_SIZES))
    .option('--curve <curve>', `EC curve: ${EC_CURVES.join(', ')} (default P-256)`, oneOf(EC_CURVES))
    .option('--completes-by <when>', 'deadline of the operation: a future ISO date (2027-01-31T18:00:00Z) or a span from now (7d, 12h, 30m); a new operation has none unless given', (v) => deadline(v))
    .option('--no-deadline', 'remove the operation deadline')
    .option('--template <name>', 'a new device gets this device template\'s settings for what the flags leave out (default: the default template, if one is set; see capf template)')
    .option('--json', 'print the device as JSON')
    .action(async (rawName: string, opts: SetCommandOptions) => {
      const name = deviceName(rawName);
      const flags: DeviceFlags = { ...opts, noDeadline: opts.deadline === false };
      const change = changeFromFlags(flags);
      await withTarget(opts, async (target) => {
        const { before, device: saved, created, generated } = await target.setDevice(name, change, { arm: opts.operation !== undefined, ...(opts.template !== undefined ? { template: opts.template } : {}) });
        for (const note of changeNotes(flags, before, saved)) process.stderr.write(`${note}\n`);
        if (opts.template !== undefined && !created) process.stderr.write(`--template ${opts.template} ignored: a template applies when a device is created, and ${saved.name} existed\n`);
        if (opts.json) return printJson({ ...saved, ...(generated ? { generatedAuthString: generated } : {}) });
        process.stdout.write(`${created ? 'created' : 'changed'} device ${saved.name}\n`);
        if (generated) process.stdout.write(`authentication string: ${generated} (shown once: give it to the phone user)\n`);
        process.stdout.write(`${formatDevice(saved)}\n`);
      });
    });
  device
    .command('get <name>')
    .description('show a device: operation, status, authentication mode, key, LSC')
    .option('--data <dir>', DATA_HELP)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .option('--json', 'print the device as JSON')
    .action(async (rawName: string, opts: TargetOptions & { json?: boolean }) => {
      const name = deviceName(rawName);
      await withTarget(opts, async (target) => {
        const found = await target.getDevice(name);
        if (!found) throw new NotFoundError(`no device named ${name}: list them with capf device list, create it with capf device set ${name}`);
        const records = await target.deviceCertificates(name);
        if (opts.json) printJson({ ...found, ...(records ? { certificates: records } : {}) });
        else process.stdout.write(`${formatDevice(found)}\n${records ? `${formatCertificates(records)}\n` : ''}`);
      });
    });
  device
    .command('list')
    .description('list devices as a table (name, operation, status, deadline, LSC)')
    .option('--data <dir>', DATA_HELP)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .option('--status <status>', `only devices with this status: ${STATUSES.join(', ')}`, oneOf(STATUSES))
    .option('--operation <op>', `only devices with this pending operation: ${CERTIFICATE_OPERATIONS.join(', ')}`, oneOf(CERTIFICATE_OPERATIONS))
    .option('--prefix <text>', 'only devices whose name starts with this (e.g. SEP00 or CSF)', (value) => value.toUpperCase())
    .option('--limit <n>', 'at most this many devices, 1-1000', integer(1, 1000))
    .option('--json', 'print a JSON array')
    .action(async (opts: TargetOptions & DeviceFilter & { json?: boolean }) => {
      const filter: DeviceFilter = { ...(opts.status ? { status: opts.status } : {}), ...(opts.operation ? { operation: opts.operation } : {}), ...(opts.prefix ? { prefix: opts.prefix } : {}), ...(opts.limit ? { limit: opts.limit } : {}) };
      await withTarget(opts, async (target) => {
        const devices = await target.listDevices(filter);
        if (opts.json) return printJson(devices);
        if (devices.length === 0) {
          process.stdout.write(`no devices${filterText(filter)} in ${target.description}\n`);
          return;
        }
        process.stdout.write(`${table(['NAME', 'OPERATION', 'STATUS', 'DEADLINE', 'LSC'], deviceRows(devices))}\n`);
      });
    });
  device
    .command('delete <name>')
    .description('delete a device (its issuance records stay, for the audit trail)')
    .option('--data <dir>', DATA_HELP)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .action(async (rawName: string, opts: TargetOptions) => {
      const name = deviceName(rawName);
      await withTarget(opts, async (target) => {
        if (!(await target.deleteDevice(name))) throw new NotFoundError(`no device named ${name}: nothing deleted`);
        process.stdout.write(`deleted device ${name} (${target.description})\n`);
      });
    });
}
