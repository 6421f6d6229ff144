// The trust administration (shared/admin/trust.ts) over the DynamoDB trust store on dynalite: uploads classified and
// stored, refusals written nowhere but the audit trail, short ids, removal from one store or both, the MIC roots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustAdmin } from '../../../shared/admin/trust.ts';
import { NotFoundError, ValidationError } from '../../../shared/errors.ts';
import type { AuditEvent, Stores } from '../../../shared/ports/index.ts';
import { pemToDer } from '../../../shared/pki/index.ts';
import { TrustUploadError } from '../../../shared/pki/trust-upload.ts';
import { makeCert, makeChain } from '../../support/trust-pki.ts';
import { BACKENDS } from '../store/store-backends.ts';

const dynalite = BACKENDS.find((backend) => backend.name === 'dynalite')!;
const who = { actor: 'arn:aws:iam::123456789012:user/admin' };

describe('TrustAdmin on dynalite', () => {
  let connection: Awaited<ReturnType<typeof dynalite.connect>>;
  let chain: Awaited<ReturnType<typeof makeChain>>;
  beforeAll(async () => {
    connection = await dynalite.connect();
    chain = await makeChain('Acme');
  });
  afterAll(() => connection.close());

  async function setUp(maxEntries?: number): Promise<{ admin: TrustAdmin; stores: Stores; events: AuditEvent[] }> {
    const stores = await connection.newStore();
    const events: AuditEvent[] = [];
    const admin = new TrustAdmin({ trust: stores.trust, audit: { record: async (event) => void events.push(event) }, ...(maxEntries ? { maxEntries } : {}) });
    return { admin, stores, events };
  }

  it('adds a chain (scenario 3), then an HTTPS certificate under the stored root (scenario 4), each audited', async () => {
    const { admin, events } = await setUp();
    const first = await admin.add(who, chain.intermediate.pem + chain.root.pem, { store: 'capf', description: 'AD CS chain' });
    expect(first.chains).toEqual([expect.objectContaining({ scenario: 'intermediate', number: 3 })]);
    expect(first.added.map((entry) => entry.description)).toEqual(['AD CS chain', 'AD CS chain']);
    const second = await admin.add(who, chain.direct.pem + chain.root.pem, { store: 'capf' });
    expect(second.chains[0]).toMatchObject({ scenario: 'root-and-https', number: 4 });
    expect(second.added.map((entry) => entry.subject)).toEqual(['CN=web.acme.test, O=Acme']);
    expect(second.existing.map((entry) => entry.subject)).toEqual(['CN=Acme Root CA, O=Acme']);
    expect(second.added[0]!.description).toBe('https web.acme.test');
    expect(await admin.list('capf')).toHaveLength(3);
    expect(events.map((event) => [event.action, event.result, event.actor])).toEqual([
      ['trust.add', 'ok', who.actor],
      ['trust.add', 'ok', who.actor],
    ]);
    expect(JSON.stringify(events)).not.toContain('BEGIN CERTIFICATE');
  });

  it('refuses an incomplete chain: nothing stored, the refusal audited with its code', async () => {
    const { admin, events } = await setUp();
    const error = await admin.add(who, chain.https.pem + chain.intermediate.pem, { store: 'callmanager' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrustUploadError);
    expect((error as TrustUploadError).message).toContain('CallManager-trust');
    expect(await admin.list()).toEqual([]);
    expect(events).toEqual([expect.objectContaining({ action: 'trust.add', result: 'refused', code: 'INCOMPLETE_CHAIN', target: 'callmanager' })]);
  });

  it('refuses a description that is too long or not one line, and an upload past the store limit', async () => {
    const { admin } = await setUp(2);
    await expect(admin.add(who, chain.root.pem, { store: 'capf', description: 'x'.repeat(201) })).rejects.toMatchObject({ code: 'INVALID_DESCRIPTION' });
    await expect(admin.add(who, chain.root.pem, { store: 'capf', description: 'two\nlines' })).rejects.toMatchObject({ code: 'INVALID_DESCRIPTION' });
    await expect(admin.add(who, chain.https.pem + chain.intermediate.pem + chain.root.pem, { store: 'capf' })).rejects.toMatchObject({ code: 'TRUST_STORE_FULL' });
    await admin.add(who, chain.intermediate.pem + chain.root.pem, { store: 'capf' });
    expect((await admin.add(who, chain.root.pem, { store: 'capf' })).existing).toHaveLength(1); // nothing new: fine at the limit
  });

  it('shows and removes by a short id; a certificate in both stores needs the store named', async () => {
    const { admin, events } = await setUp();
    await admin.add(who, chain.root.pem, { store: 'capf' });
    await admin.add(who, chain.root.pem, { store: 'callmanager' });
    const [entry] = await admin.list('capf');
    const short = entry!.id.slice(0, 10).toUpperCase();
    expect((await admin.show(short)).map((e) => e.store).sort()).toEqual(['callmanager', 'capf']);
    expect(Buffer.from(pemToDer((await admin.show(short, 'capf'))[0]!.pem))).toEqual(Buffer.from(pemToDer(chain.root.pem)));
    await expect(admin.show('1234567')).rejects.toMatchObject({ code: 'INVALID_ID' });
    await expect(admin.show('00000000')).rejects.toBeInstanceOf(NotFoundError);
    await expect(admin.remove(who, short)).rejects.toMatchObject({ code: 'STORE_REQUIRED' });
    expect((await admin.remove(who, short, 'callmanager')).store).toBe('callmanager');
    expect((await admin.remove(who, short)).store).toBe('capf');
    await expect(admin.remove(who, short)).rejects.toBeInstanceOf(NotFoundError);
    expect(events.filter((e) => e.action === 'trust.remove').map((e) => e.before?.store)).toEqual(['callmanager', 'capf']);
  });

  it('remove-mic-roots removes the four Cisco roots from CallManager-trust only', async () => {
    const { admin, events } = await setUp();
    const micRoots = await Promise.all(['CAP-RTP-001', 'CAP-RTP-002', 'Cisco_Manufacturing_CA', 'Cisco_Root_CA_2048'].map((cn) => makeCert({ name: `CN=${cn}, O=Cisco Systems`, ca: true })));
    const bundle = micRoots.map((root) => root.pem).join('');
    await admin.add(who, bundle + chain.root.pem, { store: 'callmanager' });
    await admin.add(who, bundle, { store: 'capf' });
    expect((await admin.removeMicRoots(who)).map((e) => e.subject.split(',')[0]).sort()).toEqual(['CN=CAP-RTP-001', 'CN=CAP-RTP-002', 'CN=Cisco_Manufacturing_CA', 'CN=Cisco_Root_CA_2048']);
    expect((await admin.list('callmanager')).map((e) => e.subject)).toEqual(['CN=Acme Root CA, O=Acme']);
    expect(await admin.list('capf')).toHaveLength(4);
    expect(await admin.removeMicRoots(who)).toEqual([]);
    expect(events.filter((e) => e.action === 'trust.remove-mic-roots').map((e) => e.message)).toEqual([
      expect.stringContaining('CN=CAP-RTP-001, O=Cisco Systems'),
      'CallManager-trust: no MIC root was there',
    ]);
  });

  it('a store name is checked', async () => {
    const { checkStoreName } = await import('../../../shared/admin/trust.ts');
    expect(() => checkStoreName('phone-trust')).toThrow(ValidationError);
  });
});
