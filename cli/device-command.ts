// `capf device set|get|list|delete` and `capf params get|set`: administration of the local stack's store. They run
// while the stack runs (they connect to its dynalite) or on their own (they open the data folder themselves).
import type { Command } from 'commander';
import { randomInt } from 'node:crypto';
import { AUTH_MODES, CERTIFICATE_OPERATIONS, EC_CURVES, KEY_ORDERS, RSA_KEY_SIZES, type Device } from '../shared/model.ts';
import {
  ADDRESS_COOLDOWN_SECONDS,
  ADDRESS_FAILURE_LIMIT,
  AUTH_FAILURE_LIMIT,
  AUTH_LOCK_MAX_MINUTES,
  CERTIFICATE_CLOCK_SKEW_SECONDS,
  LSC_VALIDITY_DAYS,
  MAX_CERTIFICATES_PER_OPERATION,
  PHONE_NETWORK_FAILURE_LIMIT,
} from '../shared/domain/parameters.ts';
import { LEAD_TIME_DAYS, REENROLMENT_FRACTION } from '../shared/monitor/index.ts';
import { DEFAULT_PARAMETERS_CACHE_MS } from '../shared/domain/parameters-cache.ts';
import type { DeviceSettings, IssuanceRecord, ServiceParameters, Stores } from '../shared/ports/index.ts';
import { deadline, defaultDataDir, emailList, fraction, integer, oneOf, oneOfNumbers, onOff } from './options.ts';

interface SetOptions {
  data?: string;
  operation?: Device['operation'];
  authMode?: Device['authMode'];
  authString?: string;
  generate?: boolean;
  keyOrder?: Device['keyOrder'];
  rsaSize?: number;
  curve?: Device['curve'];
  completesBy?: string;
  noDeadline?: boolean;
}

interface ParamsSetOptions {
  data?: string;
  validityDays?: number;
  ipv6?: boolean;
  requireNameMatch?: boolean;
  authFailureLimit?: number;
  authLockMaxMinutes?: number;
  addressFailureLimit?: number;
  phoneNetworkFailureLimit?: number;
  addressCooldownSeconds?: number;
  maxCertificates?: number;
  clockSkew?: number;
  acceptExpiredMic?: boolean;
  expiryLeadDays?: number;
  expiryRecipients?: string[];
  reenrolment?: boolean;
  reenrolmentFraction?: number;
}

const DEFAULT_SETTINGS: Omit<DeviceSettings, 'name'> = {
  operation: 'none',
  authMode: 'null-string',
  keyOrder: 'rsa',
  rsaKeySize: 2048,
  curve: 'P-256',
};

/** CUCM-style generated authentication string: digits only, so it can be typed on a phone keypad. */
function generateAuthString(length = 8): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String(randomInt(10));
  return out;
}

async function withStore<T>(dataDir: string | undefined, work: (store: Stores) => Promise<T>): Promise<T> {
  const { openLocalStore } = await import('./local/local-store.ts'); // the store's modules load only when a command runs
  const local = await openLocalStore(dataDir ?? defaultDataDir());
  try {
    return await work(local.store);
  } finally {
    await local.close();
  }
}

function mergeSettings(name: string, existing: Device | undefined, opts: SetOptions): { settings: DeviceSettings; generated?: string } {
  const base: DeviceSettings = existing
    ? { name, operation: existing.operation, authMode: existing.authMode, keyOrder: existing.keyOrder, rsaKeySize: existing.rsaKeySize, curve: existing.curve, ...(existing.authString ? { authString: existing.authString } : {}), ...(existing.completesBy ? { completesBy: existing.completesBy } : {}) }
    : { name, ...DEFAULT_SETTINGS };
  const generated = opts.generate ? generateAuthString() : undefined;
  const settings: DeviceSettings = {
    ...base,
    ...(opts.operation ? { operation: opts.operation } : {}),
    ...(opts.authMode ? { authMode: opts.authMode } : {}),
    ...(opts.keyOrder ? { keyOrder: opts.keyOrder } : {}),
    ...(opts.rsaSize ? { rsaKeySize: opts.rsaSize } : {}),
    ...(opts.curve ? { curve: opts.curve } : {}),
    ...(opts.completesBy ? { completesBy: opts.completesBy } : {}),
  };
  const authString = generated ?? opts.authString;
  if (authString !== undefined) settings.authString = authString;
  if (opts.noDeadline) delete settings.completesBy;
  if (settings.authMode !== 'auth-string') delete settings.authString;
  return { settings, ...(generated ? { generated } : {}) };
}

function formatDevice(device: Device): string {
  const lines = [
    `Device ${device.name}`,
    `  operation:    ${device.operation}${device.completesBy ? ` (completes by ${device.completesBy})` : ''}`,
    `  status:       ${device.status}${device.statusReason ? `: ${device.statusReason}` : ''} (at ${device.statusAt})`,
    ...(device.authFailures ? [`  wrong strings: ${device.authFailures}${device.lockedUntil ? ` (locked until ${device.lockedUntil}; re-arm to unlock)` : ''}`] : []),
    `  auth mode:    ${device.authMode}${device.authMode === 'auth-string' ? (device.authString ? ' (string set)' : ' (no string set)') : ''}`,
    `  key:          ${device.keyOrder === 'rsa' ? `RSA ${device.rsaKeySize}` : device.keyOrder === 'ec' ? `EC ${device.curve}` : `EC ${device.curve}, else RSA ${device.rsaKeySize}`}`,
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

/** What `device get` shows of each issuance record: the certificate's identity, its state and its operation. */
function certificateView(record: IssuanceRecord) {
  return {
    state: record.state,
    ...(record.stateAt ? { stateAt: record.stateAt } : {}),
    operationId: record.operationId,
    issuer: record.issuer,
    createdAt: record.createdAt,
    ...(record.certificate
      ? { serialHex: record.certificate.serialHex, sha256Fingerprint: record.certificate.sha256Fingerprint, notBefore: record.certificate.notBefore, notAfter: record.certificate.notAfter }
      : {}),
    ...(record.pendingHandle ? { pendingHandle: record.pendingHandle } : {}),
  };
}

function formatCertificates(records: IssuanceRecord[]): string {
  if (records.length === 0) return '  certificates: none issued';
  const lines = [`  certificates: ${records.length} issued or requested, oldest first`];
  for (const record of records) {
    const c = record.certificate;
    const what = c ? `serial ${c.serialHex} until ${c.notAfter}` : record.pendingHandle ? `no certificate yet (request ${record.pendingHandle})` : 'no certificate';
    lines.push(`    ${record.state.padEnd(10)} ${what} (operation ${record.operationId}, ${record.createdAt})`);
  }
  return lines.join('\n');
}

export function registerDeviceCommands(program: Command): void {
  const device = program.command('device').description('per-device CAPF settings (F7–F9) in the local stack');
  device
    .command('set <name>')
    .description('create or change a device; setting an operation arms it again')
    .option('--data <dir>', 'data folder (default $CAPF_DATA_DIR or ./.capf)')
    .option('--operation <op>', 'certificate operation', oneOf(CERTIFICATE_OPERATIONS))
    .option('--auth-mode <mode>', 'authentication mode', oneOf(AUTH_MODES))
    .option('--auth-string <string>', 'authentication string (4-64 characters)')
    .option('--generate', 'generate an authentication string (printed once)')
    .option('--key-order <order>', 'rsa, ec, or ec-rsa (EC preferred, RSA backup)', oneOf(KEY_ORDERS))
    .option('--rsa-size <bits>', 'RSA key size', oneOfNumbers(RSA_KEY_SIZES))
    .option('--curve <curve>', 'EC curve', oneOf(EC_CURVES))
    .option('--completes-by <when>', 'operation deadline: ISO date or a span (7d, 12h)', (v) => deadline(v))
    .option('--no-deadline', 'remove the operation deadline')
    .action(async (name: string, raw: SetOptions & { deadline?: boolean }) => {
      const opts: SetOptions = { ...raw, noDeadline: raw.deadline === false };
      await withStore(opts.data, async (store) => {
        const existing = await store.devices.get(name);
        const { settings, generated } = mergeSettings(name, existing, opts);
        const saved = await store.devices.put(settings, { newOperation: opts.operation !== undefined });
        if (generated) process.stdout.write(`authentication string: ${generated}\n`);
        process.stdout.write(`${formatDevice(saved)}\n`);
      });
    });
  device
    .command('get <name>')
    .option('--data <dir>', 'data folder')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { data?: string; json?: boolean }) => {
      await withStore(opts.data, async (store) => {
        const found = await store.devices.get(name);
        if (!found) {
          process.stderr.write(`no device named ${name}\n`);
          process.exitCode = 2;
          return;
        }
        const records = await store.issuances.listForDevice(name);
        const { authString: _secret, ...visible } = found;
        process.stdout.write(
          opts.json ? `${JSON.stringify({ ...visible, certificates: records.map(certificateView) }, null, 2)}\n` : `${formatDevice(found)}\n${formatCertificates(records)}\n`,
        );
      });
    });
  device
    .command('list')
    .option('--data <dir>', 'data folder')
    .action(async (opts: { data?: string }) => {
      await withStore(opts.data, async (store) => {
        for (const d of await store.devices.list()) {
          process.stdout.write(`${d.name.padEnd(20)} ${d.operation.padEnd(8)} ${d.status.padEnd(12)} ${d.lsc ? `LSC until ${d.lsc.notAfter}` : 'no LSC'}\n`);
        }
      });
    });
  device
    .command('delete <name>')
    .option('--data <dir>', 'data folder')
    .action(async (name: string, opts: { data?: string }) => {
      await withStore(opts.data, (store) => store.devices.delete(name));
    });

  const params = program.command('params').description(`service parameters (running listeners apply a change within ${DEFAULT_PARAMETERS_CACHE_MS / 1000} s: no restart)`);
  params
    .command('get')
    .option('--data <dir>', 'data folder')
    .action(async (opts: { data?: string }) => {
      await withStore(opts.data, async (store) => process.stdout.write(`${JSON.stringify(await store.parameters.get(), null, 2)}\n`));
    });
  params
    .command('set')
    .option('--data <dir>', 'data folder')
    .option('--validity-days <days>', `LSC validity, ${LSC_VALIDITY_DAYS.min}-${LSC_VALIDITY_DAYS.max} days`, integer(LSC_VALIDITY_DAYS.min, LSC_VALIDITY_DAYS.max))
    .option('--ipv6 <on|off>', 'accept IPv6 phones', onOff)
    .option('--require-name-match <on|off>', 'refuse a certificate that does not name the device', onOff)
    .option('--auth-failure-limit <n>', `wrong authentication strings before a device is locked, ${AUTH_FAILURE_LIMIT.min}-${AUTH_FAILURE_LIMIT.max}`, integer(AUTH_FAILURE_LIMIT.min, AUTH_FAILURE_LIMIT.max))
    .option('--auth-lock-max-minutes <n>', `longest lock (it starts at 1 minute and doubles), ${AUTH_LOCK_MAX_MINUTES.min}-${AUTH_LOCK_MAX_MINUTES.max}`, integer(AUTH_LOCK_MAX_MINUTES.min, AUTH_LOCK_MAX_MINUTES.max))
    .option('--address-failure-limit <n>', `failed authentications per minute from one address before it is refused`, integer(ADDRESS_FAILURE_LIMIT.min, ADDRESS_FAILURE_LIMIT.max))
    .option('--phone-network-failure-limit <n>', `the same for an address inside the phone networks`, integer(PHONE_NETWORK_FAILURE_LIMIT.min, PHONE_NETWORK_FAILURE_LIMIT.max))
    .option('--address-cooldown-seconds <n>', `how long such an address is refused`, integer(ADDRESS_COOLDOWN_SECONDS.min, ADDRESS_COOLDOWN_SECONDS.max))
    .option(
      '--max-certificates <n>',
      `certificates one operation may yield before it fails and needs re-arming, ${MAX_CERTIFICATES_PER_OPERATION.min}-${MAX_CERTIFICATES_PER_OPERATION.max}`,
      integer(MAX_CERTIFICATES_PER_OPERATION.min, MAX_CERTIFICATES_PER_OPERATION.max),
    )
    .option(
      '--clock-skew <seconds>',
      `tolerance when checking an authenticating certificate's dates, ${CERTIFICATE_CLOCK_SKEW_SECONDS.min}-${CERTIFICATE_CLOCK_SKEW_SECONDS.max} s`,
      integer(CERTIFICATE_CLOCK_SKEW_SECONDS.min, CERTIFICATE_CLOCK_SKEW_SECONDS.max),
    )
    .option('--accept-expired-mic <on|off>', 'accept an expired MIC for certificate authentication (older phones; README "Security model")', onOff)
    .option('--expiry-lead-days <days>', `expiry notices start this many days before notAfter, ${LEAD_TIME_DAYS.min}-${LEAD_TIME_DAYS.max}`, integer(LEAD_TIME_DAYS.min, LEAD_TIME_DAYS.max))
    .option('--expiry-recipients <emails>', 'comma-separated addresses that get the expiry digest; "none" for the topic only', emailList)
    .option('--reenrolment <on|off>', 'arm install with lsc-precedence on devices whose LSC passed the re-enrolment point', onOff)
    .option('--reenrolment-fraction <fraction>', `share of the LSC lifetime after which a device is re-enrolled, ${REENROLMENT_FRACTION.min}-${REENROLMENT_FRACTION.max}`, fraction)
    .action(async (opts: ParamsSetOptions) => {
      const change: Partial<ServiceParameters> = {
        ...(opts.expiryLeadDays !== undefined ? { expiryLeadDays: opts.expiryLeadDays } : {}),
        ...(opts.expiryRecipients !== undefined ? { expiryRecipients: opts.expiryRecipients } : {}),
        ...(opts.reenrolment !== undefined ? { reenrolmentEnabled: opts.reenrolment } : {}),
        ...(opts.reenrolmentFraction !== undefined ? { reenrolmentFraction: opts.reenrolmentFraction } : {}),
        ...(opts.maxCertificates !== undefined ? { maxCertificatesPerOperation: opts.maxCertificates } : {}),
        ...(opts.clockSkew !== undefined ? { certificateClockSkewSeconds: opts.clockSkew } : {}),
        ...(opts.acceptExpiredMic !== undefined ? { acceptExpiredMic: opts.acceptExpiredMic } : {}),
        ...(opts.validityDays !== undefined ? { lscValidityDays: opts.validityDays } : {}),
        ...(opts.ipv6 !== undefined ? { ipv6Enabled: opts.ipv6 } : {}),
        ...(opts.requireNameMatch !== undefined ? { requireCertificateNameMatch: opts.requireNameMatch } : {}),
        ...(opts.authFailureLimit !== undefined ? { authFailureLimit: opts.authFailureLimit } : {}),
        ...(opts.authLockMaxMinutes !== undefined ? { authLockMaxMinutes: opts.authLockMaxMinutes } : {}),
        ...(opts.addressFailureLimit !== undefined ? { addressFailureLimit: opts.addressFailureLimit } : {}),
        ...(opts.phoneNetworkFailureLimit !== undefined ? { phoneNetworkFailureLimit: opts.phoneNetworkFailureLimit } : {}),
        ...(opts.addressCooldownSeconds !== undefined ? { addressCooldownSeconds: opts.addressCooldownSeconds } : {}),
      };
      await withStore(opts.data, async (store) => process.stdout.write(`${JSON.stringify(await store.parameters.update(change), null, 2)}\n`));
      process.stderr.write(`running listeners and signers apply this within ${DEFAULT_PARAMETERS_CACHE_MS / 1000} s (they cache the parameters that long)\n`);
    });
}
