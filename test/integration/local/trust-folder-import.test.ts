// `<data>/capf-trust/` as an import source at start: files imported through the admin service are renamed
// `.imported` (so a later removal sticks), refused ones stay where they are and the log says why.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAdmin } from '../../../cli/local/local-admin.ts';
import { importTrustFolder } from '../../../cli/local/trust-folder-import.ts';
import { MemoryLogger } from '../../../shared/logging.ts';
import { makeCert, makeChain } from '../../support/trust-pki.ts';
import { BACKENDS } from '../store/store-backends.ts';

const dynalite = BACKENDS.find((backend) => backend.name === 'dynalite')!;

describe('importTrustFolder', () => {
  let connection: Awaited<ReturnType<typeof dynalite.connect>>;
  let dataDir: string;
  beforeAll(async () => {
    connection = await dynalite.connect();
    dataDir = await mkdtemp(join(tmpdir(), 'capf-trust-folder-'));
  });
  afterAll(async () => {
    await connection.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('imports good files once, leaves refused ones, and a removed entry does not come back', async () => {
    const stores = await connection.newStore();
    const admin = localAdmin(dataDir, stores);
    const logger = new MemoryLogger();
    const chain = await makeChain('Folder');
    const mic = await makeCert({ name: 'CN=Cisco_Manufacturing_CA stand-in', ca: true });
    await mkdir(join(dataDir, 'capf-trust'));
    await writeFile(join(dataDir, 'capf-trust', 'a-mic.pem'), mic.pem);
    await writeFile(join(dataDir, 'capf-trust', 'b-incomplete.pem'), chain.https.pem);
    await writeFile(join(dataDir, 'capf-trust', 'notes.txt'), 'not a PEM file');

    const first = await importTrustFolder(dataDir, admin.trust, logger);
    expect(first.imported).toEqual(['a-mic.pem']);
    expect(first.refused).toEqual([{ file: 'b-incomplete.pem', reason: expect.stringContaining('incomplete chain') }]);
    expect((await readdir(join(dataDir, 'capf-trust'))).sort()).toEqual(['a-mic.pem.imported', 'b-incomplete.pem', 'notes.txt']);
    const [entry] = await admin.trust.list('capf');
    expect(entry).toMatchObject({ subject: 'CN=Cisco_Manufacturing_CA stand-in', description: 'imported from capf-trust/a-mic.pem', addedBy: 'system:import' });
    expect(logger.entries.some((e) => e.level === 'warn' && e.message === 'not imported into CAPF-trust')).toBe(true);

    await admin.trust.remove({ actor: 'local' }, entry!.id);
    const second = await importTrustFolder(dataDir, admin.trust, logger);
    expect(second.imported).toEqual([]);
    expect(await admin.trust.list('capf')).toEqual([]);
  });

  it('a data folder without capf-trust/ imports nothing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'capf-trust-none-'));
    const stores = await connection.newStore();
    expect(await importTrustFolder(empty, localAdmin(empty, stores).trust, new MemoryLogger())).toEqual({ imported: [], refused: [] });
    await rm(empty, { recursive: true, force: true });
  });
});
