// `capf params get|set`: the service parameters (F5, F14, F16, issue 10's lockout and certificate rules). Running
// listeners and signers apply a change within the parameter cache's lifetime, without a restart. One table below
// lists every parameter: its flag, its field, its bounds and what it means; the options, the help and `get` follow it.
import type { Command } from 'commander';
import { ValidationError } from '../shared/errors.ts';
import {
  ADDRESS_COOLDOWN_SECONDS,
  ADDRESS_FAILURE_LIMIT,
  AUTH_FAILURE_LIMIT,
  AUTH_LOCK_MAX_MINUTES,
  CERTIFICATE_CLOCK_SKEW_SECONDS,
  KEEPALIVE_MINUTES,
  LSC_VALIDITY_DAYS,
  MAX_CERTIFICATES_PER_OPERATION,
  PHONE_NETWORK_FAILURE_LIMIT,
} from '../shared/domain/parameters.ts';
import { DEFAULT_PARAMETERS_CACHE_MS } from '../shared/domain/parameters-cache.ts';
import { LEAD_TIME_DAYS, REENROLMENT_FRACTION } from '../shared/monitor/index.ts';
import type { ServiceParameters } from '../shared/ports/index.ts';
import { DATA_HELP, ENDPOINT_HELP, withTarget, type TargetOptions } from './admin/open-target.ts';
import { printJson, table } from './admin/table.ts';
import { emailList, fraction, integer, onOff } from './options.ts';

type Field = Exclude<keyof ServiceParameters, 'updatedAt'>;
type Spec =
  | { flag: string; field: Field; kind: 'integer'; bounds: { min: number; max: number }; unit: string; meaning: string }
  | { flag: string; field: Field; kind: 'on-off'; meaning: string }
  | { flag: string; field: Field; kind: 'fraction'; bounds: { min: number; max: number }; meaning: string }
  | { flag: string; field: Field; kind: 'emails'; meaning: string };

/** Every parameter `params set` changes, in the order `params get` shows them. */
export const PARAMETER_SPECS: readonly Spec[] = [
  { flag: 'validity-days', field: 'lscValidityDays', kind: 'integer', bounds: LSC_VALIDITY_DAYS, unit: 'days', meaning: 'LSC validity' },
  { flag: 'ipv6', field: 'ipv6Enabled', kind: 'on-off', meaning: 'accept phones connecting over IPv6' },
  { flag: 'require-name-match', field: 'requireCertificateNameMatch', kind: 'on-off', meaning: 'a certificate authenticating a phone must name it' },
  { flag: 'auth-failure-limit', field: 'authFailureLimit', kind: 'integer', bounds: AUTH_FAILURE_LIMIT, unit: '', meaning: 'wrong authentication strings before a device is locked' },
  { flag: 'auth-lock-max-minutes', field: 'authLockMaxMinutes', kind: 'integer', bounds: AUTH_LOCK_MAX_MINUTES, unit: 'minutes', meaning: 'longest lock (it starts at 1 minute and doubles)' },
  { flag: 'address-failure-limit', field: 'addressFailureLimit', kind: 'integer', bounds: ADDRESS_FAILURE_LIMIT, unit: 'per minute', meaning: 'failed authentications from one address before it is refused' },
  { flag: 'phone-network-failure-limit', field: 'phoneNetworkFailureLimit', kind: 'integer', bounds: PHONE_NETWORK_FAILURE_LIMIT, unit: 'per minute', meaning: 'the same for an address inside the phone networks' },
  { flag: 'address-cooldown-seconds', field: 'addressCooldownSeconds', kind: 'integer', bounds: ADDRESS_COOLDOWN_SECONDS, unit: 's', meaning: 'how long such an address is refused' },
  { flag: 'max-certificates', field: 'maxCertificatesPerOperation', kind: 'integer', bounds: MAX_CERTIFICATES_PER_OPERATION, unit: '', meaning: 'certificates one operation may yield before it fails and needs re-arming' },
  { flag: 'clock-skew', field: 'certificateClockSkewSeconds', kind: 'integer', bounds: CERTIFICATE_CLOCK_SKEW_SECONDS, unit: 's', meaning: "tolerance when checking an authenticating certificate's dates" },
  { flag: 'keepalive-minutes', field: 'keepAliveMinutes', kind: 'integer', bounds: KEEPALIVE_MINUTES, unit: 'minutes', meaning: 'TCP keepalive on phone connections (F14)' },
  { flag: 'accept-expired-mic', field: 'acceptExpiredMic', kind: 'on-off', meaning: 'accept an expired MIC for certificate authentication (older phones)' },
  { flag: 'expiry-lead-days', field: 'expiryLeadDays', kind: 'integer', bounds: LEAD_TIME_DAYS, unit: 'days', meaning: 'expiry notices start this many days before notAfter' },
  { flag: 'expiry-recipients', field: 'expiryRecipients', kind: 'emails', meaning: 'addresses that get the expiry digest' },
  { flag: 'reenrolment', field: 'reenrolmentEnabled', kind: 'on-off', meaning: 'arm install with lsc-precedence on devices whose LSC passed the re-enrolment point' },
  { flag: 'reenrolment-fraction', field: 'reenrolmentFraction', kind: 'fraction', bounds: REENROLMENT_FRACTION, meaning: 'share of the LSC lifetime after which a device is re-enrolled' },
];

function rangeText(spec: Spec): string {
  switch (spec.kind) {
    case 'on-off':
      return 'on or off';
    case 'emails':
      return 'addresses separated by commas, or none';
    case 'fraction':
      return `${spec.bounds.min}-${spec.bounds.max}`;
    default:
      return `${spec.bounds.min}-${spec.bounds.max}${spec.unit ? ` ${spec.unit}` : ''}`;
  }
}

function valueText(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(', ');
  return String(value);
}

/** One row per parameter: the flag's name, the value, the allowed values, what it means. */
export function parameterRows(parameters: ServiceParameters): string[][] {
  return PARAMETER_SPECS.map((spec) => [spec.flag, valueText(parameters[spec.field]), rangeText(spec), spec.meaning]);
}

/** The issuer line of `params get`: what the API says is in use, or how the data folder's stack chooses it. */
function issuerText(parameters: ServiceParameters & { issuer?: unknown }, where: string): string {
  if (typeof parameters.issuer === 'string') return `issuer in use: ${parameters.issuer}`;
  if (where.startsWith('data folder')) return 'issuer in use: chosen when capf serve starts (--issuer, default capf-software); the stack is not running';
  return `issuer in use: not reported by ${where}`;
}

/** `where`: the target's description, given when the issuer line is wanted (params get). */
function printParameters(parameters: ServiceParameters & { issuer?: unknown }, json: boolean | undefined, where?: string): void {
  if (json) return printJson(parameters);
  if (where !== undefined) process.stdout.write(`${issuerText(parameters, where)}\n`);
  process.stdout.write(`${table(['PARAMETER', 'VALUE', 'ALLOWED', 'MEANING'], parameterRows(parameters))}\n`);
  if (parameters.updatedAt) process.stdout.write(`last changed ${parameters.updatedAt}\n`);
}

/** commander's camelCase key of `--some-flag`. */
function optionKey(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, letter: string) => letter.toUpperCase());
}

export function registerParamsCommands(program: Command): void {
  const params = program.command('params').description(`service parameters (running listeners apply a change within ${DEFAULT_PARAMETERS_CACHE_MS / 1000} s: no restart)`);
  params
    .command('get')
    .description('show the issuer in use and the service parameters as a table: value, allowed values, meaning')
    .option('--data <dir>', DATA_HELP)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .option('--json', 'print JSON')
    .action(async (opts: TargetOptions & { json?: boolean }) => {
      await withTarget(opts, async (target) => printParameters(await target.getParameters(), opts.json, target.description));
    });
  const set = params.command('set').description('change one or more service parameters').option('--data <dir>', DATA_HELP)
    .option('--endpoint <url>', ENDPOINT_HELP);
  for (const spec of PARAMETER_SPECS) {
    const help = `${spec.meaning}: ${rangeText(spec)}`;
    if (spec.kind === 'on-off') set.option(`--${spec.flag} <on|off>`, help, onOff);
    else if (spec.kind === 'emails') set.option(`--${spec.flag} <emails>`, help, emailList);
    else if (spec.kind === 'fraction') set.option(`--${spec.flag} <fraction>`, help, fraction);
    else set.option(`--${spec.flag} <n>`, help, integer(spec.bounds.min, spec.bounds.max));
  }
  set.option('--json', 'print the parameters as JSON').action(async (opts: TargetOptions & { json?: boolean } & Record<string, unknown>) => {
    const change: Record<string, unknown> = {};
    for (const spec of PARAMETER_SPECS) {
      const value = opts[optionKey(spec.flag)];
      if (value !== undefined) change[spec.field] = value;
    }
    if (Object.keys(change).length === 0) throw new ValidationError('nothing to change: give at least one parameter option (capf params set --help lists them)', 'NO_CHANGE');
    await withTarget(opts, async (target) => printParameters(await target.setParameters(change as Partial<ServiceParameters>), opts.json));
    process.stderr.write(`running listeners and signers apply this within ${DEFAULT_PARAMETERS_CACHE_MS / 1000} s (they cache the parameters that long)\n`);
  });
}
