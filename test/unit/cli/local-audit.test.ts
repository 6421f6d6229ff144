// The data folder's audit trail (audit.jsonl) as `capf audit list` reads it without a running stack: newest first,
// filtered by device, actor and time, a line cut by the size bound skipped, a missing file an empty trail.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocalAudit } from '../../../cli/admin/store-target.ts';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capf-local-audit-'));
});
afterAll(() => rm(folder, { recursive: true, force: true }));

const event = (at: string, actor: string, action: string, deviceName?: string) => JSON.stringify({ at, actor, action, result: 'ok', ...(deviceName ? { deviceName } : {}) });

describe('readLocalAudit', () => {
  it('filters by device, actor and time, newest first', async () => {
    const path = join(folder, 'audit.jsonl');
    const lines = [
      event('2026-12-01T10:00:00.000Z', 'local', 'device.create', 'SEP001122334455'),
      event('2026-12-01T11:00:00.000Z', 'phone', 'session.end', 'SEP001122334455'),
      '{"at":"2026-12-01T11:30:00.000Z","actor":"pho', // cut by the size bound
      event('2026-12-01T12:00:00.000Z', 'arn:aws:iam::123456789012:user/ops', 'params.update'),
      event('2026-12-01T13:00:00.000Z', 'phone', 'session.end', 'SEP00AABBCCDDEE'),
    ];
    await writeFile(path, `${lines.join('\n')}\n`);
    const actions = (filter: Parameters<typeof readLocalAudit>[1]) => readLocalAudit(path, filter).then((events) => events.map((e) => `${e.at.slice(11, 13)} ${e.actor} ${e.action}`));
    expect(await actions({})).toEqual(['13 phone session.end', '12 arn:aws:iam::123456789012:user/ops params.update', '11 phone session.end', '10 local device.create']);
    expect(await actions({ actor: 'phone' })).toEqual(['13 phone session.end', '11 phone session.end']);
    expect(await actions({ actor: 'phone', device: 'SEP001122334455' })).toEqual(['11 phone session.end']);
    expect(await actions({ actor: 'pho' })).toEqual([]); // exact, not a prefix
    expect(await actions({ since: '2026-12-01T11:30:00.000Z', limit: 1 })).toEqual(['13 phone session.end']);
  });

  it('reads a missing trail as empty', async () => {
    expect(await readLocalAudit(join(folder, 'none.jsonl'), {})).toEqual([]);
  });
});
