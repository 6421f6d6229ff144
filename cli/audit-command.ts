// `capf audit list`: the audit trail (F23): who (IAM principal or `local`), what, which device, before/after, result.
import type { Command } from 'commander';
import { normaliseDeviceName } from '../shared/domain/device-name.ts';
import type { AuditEvent } from '../shared/ports/index.ts';
import { DATA_HELP, ENDPOINT_HELP, withTarget, type TargetOptions } from './admin/open-target.ts';
import { printJson, table } from './admin/table.ts';
import { integer, since } from './options.ts';

/** before → after of the changed fields, one `field: a → b` per field, on one line. */
function changeText(event: AuditEvent): string {
  const fields = new Set([...Object.keys(event.before ?? {}), ...Object.keys(event.after ?? {})]);
  const show = (value: unknown) => (value === undefined ? '-' : typeof value === 'string' ? value : JSON.stringify(value));
  return [...fields].map((field) => `${field}: ${show(event.before?.[field])} → ${show(event.after?.[field])}`).join('; ');
}

export function auditRows(events: AuditEvent[]): string[][] {
  return events.map((e) => [
    e.at,
    e.actor,
    e.action,
    e.deviceName ?? e.target ?? '-',
    e.result + (e.code ? ` ${e.code}` : ''),
    [e.message, changeText(e)].filter((part) => part).join(' | ') || '-',
  ]);
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the audit trail (F23): administrators\' changes and phone sessions\' outcomes');
  audit
    .command('list')
    .description('list audit events, newest first: when, who, what, which device, result, what changed')
    .option('--data <dir>', DATA_HELP)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .option('--device <name>', 'only events about this device (SEP001122334455, CSFJSMITH...)', (value) => normaliseDeviceName(value))
    .option('--actor <who>', 'only events of this actor, exactly: local, phone, or an IAM principal ARN')
    .option('--since <when>', 'only events since then: a span back from now (24h, 7d, 30m) or an ISO date', (value) => since(value))
    .option('--limit <n>', 'at most this many events, 1-10000 (default 100)', integer(1, 10_000), 100)
    .option('--json', 'print a JSON array')
    .action(async (opts: TargetOptions & { device?: string; actor?: string; since?: string; limit: number; json?: boolean }) => {
      await withTarget(opts, async (target) => {
        const events = await target.listAudit({ ...(opts.device ? { device: opts.device } : {}), ...(opts.actor ? { actor: opts.actor } : {}), ...(opts.since ? { since: opts.since } : {}), limit: opts.limit });
        if (opts.json) return printJson(events);
        if (events.length === 0) {
          process.stdout.write(`no audit events${opts.device ? ` for ${opts.device}` : ''}${opts.actor ? ` by ${opts.actor}` : ''}${opts.since ? ` since ${opts.since}` : ''} in ${target.description}\n`);
          return;
        }
        process.stdout.write(`${table(['AT', 'WHO', 'ACTION', 'DEVICE', 'RESULT', 'DETAIL'], auditRows(events))}\n`);
      });
    });
}
