// Contract tests: every operation of docs/openapi.yaml is exercised against the running local admin API (the real HTTP
// server over dynalite), and every response is validated against the schema the document gives for its status. The
// router serves exactly the operations the document lists.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCapfCa } from '../../shared/pki/index.ts';
import { loadOrCreateLocalCa } from '../../cli/local/ca-files.ts';
import { buildCsr, generatePhoneKey } from '../../cli/phone/phone-keys.ts';
import { derToPem } from '../../shared/pki/index.ts';
import { makeChain } from '../support/trust-pki.ts';
import { putLsc } from '../integration/monitor/monitor-fixture.ts';
import { startTestAdminApi, type ApiAnswer, type TestAdminApi } from '../support/admin-api.ts';

type Json = Record<string, unknown>;
const document = parse(readFileSync(join(import.meta.dirname, '../../docs/openapi.yaml'), 'utf8')) as Json;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Every `#/components/...` reference made absolute (`openapi#/...`), so inline schemas compile on their own. */
function absoluteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(absoluteRefs);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, key === '$ref' && typeof inner === 'string' && inner.startsWith('#/') ? `openapi${inner}` : absoluteRefs(inner)]));
}

const resolved = absoluteRefs(document) as Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ $id: 'openapi', components: resolved.components }, 'openapi');

function deref(node: Json): Json {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  const path = ref.replace(/^openapi#\//, '').split('/');
  return deref(path.reduce<Json>((at, key) => at[key] as Json, resolved));
}

interface Operation {
  method: string;
  path: string;
  operationId: string;
  responses: Json;
}

const operations: Operation[] = Object.entries(resolved.paths as Json).flatMap(([path, item]) =>
  METHODS.filter((m) => (item as Json)[m]).map((m) => {
    const op = (item as Json)[m] as Json;
    return { method: m.toUpperCase(), path, operationId: op.operationId as string, responses: op.responses as Json };
  }),
);

const validators = new Map<string, ValidateFunction>();
function validatorFor(operationId: string, status: number): ValidateFunction {
  const key = `${operationId} ${status}`;
  const cached = validators.get(key);
  if (cached) return cached;
  const op = operations.find((o) => o.operationId === operationId);
  if (!op) throw new Error(`no operation ${operationId} in docs/openapi.yaml`);
  const response = op.responses[String(status)];
  if (!response) throw new Error(`${operationId} documents no ${status} response`);
  const content = deref(response as Json).content as Json | undefined;
  const schema = (content?.['application/json'] as Json | undefined)?.schema as Json | undefined;
  const validate = ajv.compile(schema ?? { not: {} });
  validators.set(key, validate);
  return validate;
}

const exercised = new Map<string, Set<number>>();

/** Calls the API and checks the answer against the document's schema for that operation and status. */
async function call(api: TestAdminApi, operationId: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer> {
  const answer = await api.request(method, path, body, headers);
  const validate = validatorFor(operationId, answer.status);
  if (!validate(answer.body)) throw new Error(`${operationId} ${answer.status}: the body does not match the schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(answer.body)}`);
  exercised.set(operationId, (exercised.get(operationId) ?? new Set()).add(answer.status));
  return answer;
}

describe('admin API contract (docs/openapi.yaml)', () => {
  let api: TestAdminApi;
  beforeAll(async () => {
    api = await startTestAdminApi();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('the router serves exactly the operations the document lists', () => {
    const served = api.api.operations.map((o) => `${o.operationId} ${o.method} ${o.path}`).sort();
    expect(served).toEqual(operations.map((o) => `${o.operationId} ${o.method} ${o.path}`).sort());
  });

  it('devices: create, get, change, arm, list, delete, with the documented errors', async () => {
    const name = 'SEP00112233AABB';
    const created = await call(api, 'createDevice', 'POST', '/v1/devices', { name, operation: 'install', generateAuthString: true });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    const secret = (created.body as { authString: string }).authString;
    expect(secret).toMatch(/^\d{8}$/);
    expect((await call(api, 'createDevice', 'POST', '/v1/devices', { name })).body).toMatchObject({ code: 'DEVICE_EXISTS' });
    expect((await call(api, 'createDevice', 'POST', '/v1/devices', { name: 'SEP001122334455', rsaKeySize: 1000 })).body).toMatchObject({
      code: 'INVALID_REQUEST',
      allowed: [1024, 2048, 3072, 4096],
    });
    expect((await call(api, 'createDevice', 'POST', '/v1/devices', { name: 'bad name!' })).body).toMatchObject({ code: 'INVALID_DEVICE_NAME' });

    const got = await call(api, 'getDevice', 'GET', `/v1/devices/${name}`);
    expect(got.body).toMatchObject({ name, authStringSet: true, status: 'pending' });
    expect(JSON.stringify(got.body)).not.toContain(secret);
    expect((await call(api, 'getDevice', 'GET', '/v1/devices/SEP999999999999')).status).toBe(404);
    expect((await call(api, 'getDevice', 'GET', '/v1/devices/%zz')).status).toBe(400);
    expect((await call(api, 'listDeviceCertificates', 'GET', `/v1/devices/${name}/certificates`)).body).toEqual({ certificates: [] });
    expect((await call(api, 'listDeviceCertificates', 'GET', '/v1/devices/SEP999999999999/certificates')).status).toBe(404);

    const changed = await call(api, 'changeDevice', 'PATCH', `/v1/devices/${name}`, { keyOrder: 'ec' }, { 'if-match': '"1"' });
    expect(changed.body).toMatchObject({ keyOrder: 'ec', version: 2 });
    expect((await call(api, 'changeDevice', 'PATCH', `/v1/devices/${name}`, { keyOrder: 'rsa' }, { 'if-match': '"1"' })).status).toBe(409);
    expect((await call(api, 'changeDevice', 'PATCH', '/v1/devices/SEP999999999999', { keyOrder: 'rsa' })).status).toBe(404);
    expect((await call(api, 'changeDevice', 'PATCH', `/v1/devices/${name}`, { colour: 'red' })).body).toMatchObject({ code: 'INVALID_REQUEST' });

    const armed = await call(api, 'armOperation', 'POST', `/v1/devices/${name}/operation`, { operation: 'delete', completesBy: new Date(Date.now() + 86_400_000).toISOString() });
    expect(armed.body).toMatchObject({ operation: 'delete', status: 'pending' });
    expect((await call(api, 'armOperation', 'POST', `/v1/devices/${name}/operation`, { operation: 'install', completesBy: '2001-01-01' })).body).toMatchObject({ code: 'DEADLINE_PASSED' });
    expect((await call(api, 'armOperation', 'POST', `/v1/devices/${name}/operation`, { operation: 'nonsense' })).body).toMatchObject({ allowed: ['none', 'install', 'delete', 'fetch'] });
    expect((await call(api, 'armOperation', 'POST', '/v1/devices/SEP999999999999/operation', { operation: 'install' })).status).toBe(404);
    expect((await call(api, 'armOperation', 'POST', `/v1/devices/${name}/operation`, { operation: 'install' }, { 'if-match': '"1"' })).status).toBe(409);

    expect((await call(api, 'createDevice', 'POST', '/v1/devices', { name: 'csfbob' })).body).toMatchObject({ name: 'CSFBOB' }); // CUCM's upper case
    expect((await call(api, 'getDevice', 'GET', '/v1/devices/csfbob')).body).toMatchObject({ name: 'CSFBOB' });
    const listed = await call(api, 'listDevices', 'GET', '/v1/devices?limit=1');
    expect((listed.body as { devices: unknown[] }).devices).toHaveLength(1);
    const next = (listed.body as { nextCursor: string }).nextCursor;
    const second = await call(api, 'listDevices', 'GET', `/v1/devices?limit=1&cursor=${encodeURIComponent(next)}`);
    expect((second.body as { devices: { name: string }[] }).devices[0]?.name).toBe(name);
    expect((await call(api, 'listDevices', 'GET', '/v1/devices?status=pending&prefix=SEP')).body).toMatchObject({ devices: [{ name }] });
    expect((await call(api, 'listDevices', 'GET', '/v1/devices?authMode=auth-string')).body).toMatchObject({ devices: [{ name }] });
    const byMode = (await call(api, 'listDevices', 'GET', '/v1/devices?authMode=null-string&limit=1')).body as { devices: { name: string }[]; nextCursor: string };
    expect(byMode.devices.map((d) => d.name)).toEqual(['CSFBOB']);
    expect((await call(api, 'listDevices', 'GET', `/v1/devices?authMode=null-string&limit=1&cursor=${encodeURIComponent(byMode.nextCursor)}`)).body).toMatchObject({ devices: [] });
    expect((await call(api, 'listDevices', 'GET', '/v1/devices?authMode=password')).body).toMatchObject({ code: 'INVALID_REQUEST', allowed: ['null-string', 'auth-string', 'lsc-precedence', 'mic-precedence'] });
    expect((await call(api, 'listDevices', 'GET', '/v1/devices?limit=1000')).body).toMatchObject({ code: 'INVALID_REQUEST', allowed: { max: 100 } });
    expect((await call(api, 'listDevices', 'GET', '/v1/devices?cursor=abc')).body).toMatchObject({ code: 'INVALID_CURSOR' });

    expect((await call(api, 'deleteDevice', 'DELETE', `/v1/devices/${name}`, undefined, { 'if-match': '"2"' })).status).toBe(409);
    expect((await call(api, 'deleteDevice', 'DELETE', `/v1/devices/${name}`)).body).toMatchObject({ deleted: { name } });
    expect((await call(api, 'deleteDevice', 'DELETE', `/v1/devices/${name}`)).status).toBe(404);
    expect((await call(api, 'deleteDevice', 'DELETE', '/v1/devices/no%20way')).status).toBe(400);
  });

  it('certificates by expiry: the summary by days and months, the list of a range', async () => {
    const now = new Date();
    await putLsc(api.stores, now, 'SEP0000000E0001', 0.5);
    await putLsc(api.stores, now, 'SEP0000000E0002', 20, 'issued');
    await putLsc(api.stores, now, 'SEP0000000E0003', 200);
    await putLsc(api.stores, now, 'SEP0000000E0004', 10, 'superseded');
    const summary = (await call(api, 'certificateExpiry', 'GET', '/v1/certificates/expiry')).body as { total: number; buckets: Record<string, number> };
    expect(summary.total).toBe(3);
    expect(summary.buckets).toEqual({ expired: 0, le1: 1, le7: 0, le30: 1, le90: 0, later: 1 });
    const soon = (await call(api, 'listCertificates', 'GET', `/v1/certificates?from=${now.toISOString()}&to=${new Date(now.getTime() + 30 * 86_400_000).toISOString()}&limit=1`)).body as { certificates: { deviceName: string }[]; truncated: boolean };
    expect(soon).toMatchObject({ certificates: [{ deviceName: 'SEP0000000E0001', state: 'installed' }], truncated: true });
    expect((await call(api, 'listCertificates', 'GET', '/v1/certificates?limit=5000')).status).toBe(400);
  });

  it('parameters: read, change within the bounds, refuse outside them', async () => {
    expect((await call(api, 'getParameters', 'GET', '/v1/parameters')).body).toMatchObject({ lscValidityDays: 365, issuer: 'capf-software' });
    expect((await call(api, 'setParameters', 'PATCH', '/v1/parameters', { issuer: 'acm-pca' })).body).toMatchObject({ code: 'UNKNOWN_PARAMETER' });
    expect((await call(api, 'setParameters', 'PATCH', '/v1/parameters', { lscValidityDays: 90 })).body).toMatchObject({ lscValidityDays: 90 });
    expect((await call(api, 'setParameters', 'PATCH', '/v1/parameters', { lscValidityDays: 0 })).body).toMatchObject({ code: 'INVALID_LSC_VALIDITY' });
    expect((await call(api, 'setParameters', 'PATCH', '/v1/parameters', { typo: true })).body).toMatchObject({ code: 'UNKNOWN_PARAMETER' });
  });

  it('audit: the trail by device and by time, with the actor local', async () => {
    const byDevice = await call(api, 'listAudit', 'GET', '/v1/audit?device=SEP00112233AABB&since=1h');
    const events = (byDevice.body as { events: { action: string; actor: string }[] }).events;
    expect(events.map((e) => e.action)).toContain('device.create');
    expect(events.every((e) => e.actor === 'local')).toBe(true);
    expect((await call(api, 'listAudit', 'GET', '/v1/audit?limit=2')).body).toMatchObject({ nextCursor: expect.any(String) });
    expect((await call(api, 'listAudit', 'GET', '/v1/audit?since=yesterday')).status).toBe(400);
    await api.stores.audit.record({ at: new Date().toISOString(), actor: 'arn:aws:iam::123456789012:user/alice', action: 'device.update', result: 'ok', deviceName: 'SEP00112233AABB' });
    const alice = encodeURIComponent('arn:aws:iam::123456789012:user/alice');
    for (const path of [`/v1/audit?actor=${alice}&since=1h`, `/v1/audit?actor=${alice}&device=SEP00112233AABB&since=1h`]) {
      expect((await call(api, 'listAudit', 'GET', path)).body).toEqual({ events: [expect.objectContaining({ actor: 'arn:aws:iam::123456789012:user/alice', action: 'device.update' })] });
    }
    expect((await call(api, 'listAudit', 'GET', '/v1/audit?actor=')).status).toBe(400);
  });

  it('trust stores: add (scenario and refusal), list, show by short id, remove, remove the MIC roots', async () => {
    const chain = await makeChain('Contract');
    const refused = await call(api, 'addTrust', 'POST', '/v1/trust', { store: 'capf', pem: chain.https.pem + chain.intermediate.pem });
    expect(refused).toMatchObject({ status: 400, body: { code: 'INCOMPLETE_CHAIN' } });
    expect((await call(api, 'addTrust', 'POST', '/v1/trust', { store: 'phones', pem: chain.root.pem })).body).toMatchObject({ code: 'INVALID_REQUEST', allowed: ['capf', 'callmanager'] });
    const added = await call(api, 'addTrust', 'POST', '/v1/trust', { store: 'capf', pem: chain.intermediate.pem + chain.root.pem, description: 'AD CS' });
    expect(added).toMatchObject({ status: 201, body: { chains: [{ scenario: 'intermediate', number: 3 }] } });
    const listed = await call(api, 'listTrust', 'GET', '/v1/trust?store=capf');
    const id = (listed.body as { entries: { id: string; subject: string }[] }).entries.find((e) => e.subject.startsWith('CN=Contract Root'))!.id;
    expect((await call(api, 'getTrust', 'GET', `/v1/trust/${id.slice(0, 12)}`)).body).toMatchObject({ entries: [{ id, pem: expect.stringContaining('BEGIN CERTIFICATE') }] });
    expect((await call(api, 'getTrust', 'GET', '/v1/trust/00000000')).status).toBe(404);
    expect((await call(api, 'getTrust', 'GET', '/v1/trust/xyz')).body).toMatchObject({ code: 'INVALID_ID' });
    expect((await call(api, 'removeTrust', 'DELETE', `/v1/trust/${id}?store=capf`)).body).toMatchObject({ removed: { id, store: 'capf' } });
    expect((await call(api, 'removeTrust', 'DELETE', `/v1/trust/${id}`)).status).toBe(404);
    expect((await call(api, 'removeTrust', 'DELETE', '/v1/trust/nothex')).status).toBe(400);
    expect((await call(api, 'removeMicRoots', 'POST', '/v1/trust/remove-mic-roots')).body).toEqual({ removed: [] });
    const audit = await call(api, 'listAudit', 'GET', '/v1/audit?since=1h&limit=100');
    expect((audit.body as { events: { action: string; result: string }[] }).events.map((e) => `${e.action}:${e.result}`)).toEqual(
      expect.arrayContaining(['trust.add:refused', 'trust.add:ok', 'trust.remove:ok', 'trust.remove-mic-roots:ok']),
    );
  });

  it('the CAPF certificate: show, export, regenerate, import (refusals too); the replaced one stays in CAPF-trust', async () => {
    const shown = await call(api, 'getCa', 'GET', '/v1/ca');
    const first = shown.body as { id: string; subject: string; previous: unknown[] };
    expect(first).toMatchObject({ subject: expect.stringMatching(/^CN=CAPF-/), previous: [] });
    const exported = await call(api, 'exportCa', 'GET', '/v1/ca/certificate');
    expect((exported.body as { pem: string }).pem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(JSON.stringify(exported.body)).not.toContain('PRIVATE KEY');

    const regenerated = await call(api, 'regenerateCa', 'POST', '/v1/ca/regenerate', { keyType: 'ec', commonName: 'CAPF-contract1' });
    expect(regenerated.body).toMatchObject({ current: { subject: 'CN=CAPF-contract1', key: 'EC P-256', previous: [{ id: first.id }] }, replaced: { id: first.id, keptInCapfTrust: true } });
    expect(JSON.stringify(regenerated.body)).not.toContain('PRIVATE KEY');
    expect((await call(api, 'regenerateCa', 'POST', '/v1/ca/regenerate', { keyType: 'dsa' })).body).toMatchObject({ code: 'INVALID_REQUEST', allowed: ['rsa', 'ec'] });

    const own = await generateCapfCa({ commonName: 'CAPF-contract2' });
    const other = await generateCapfCa({ commonName: 'CAPF-contract3' });
    const mismatch = await call(api, 'importCa', 'POST', '/v1/ca/import', { certificatePem: own.certificatePem, privateKeyPem: other.privateKeyPem });
    expect(mismatch).toMatchObject({ status: 400, body: { code: 'KEY_MISMATCH' } });
    expect(JSON.stringify(mismatch.body)).not.toContain('PRIVATE KEY');
    expect((await call(api, 'importCa', 'POST', '/v1/ca/import', { certificatePem: own.certificatePem })).body).toMatchObject({ code: 'INVALID_REQUEST' });
    const imported = await call(api, 'importCa', 'POST', '/v1/ca/import', { certificatePem: own.certificatePem, privateKeyPem: own.privateKeyPem });
    expect(imported.body).toMatchObject({ current: { subject: 'CN=CAPF-contract2' }, replaced: { subject: 'CN=CAPF-contract1' } });
    expect((await call(api, 'importCa', 'POST', '/v1/ca/import', { certificatePem: own.certificatePem, privateKeyPem: own.privateKeyPem })).body).toMatchObject({ code: 'SAME_CERTIFICATE' });
    expect((await call(api, 'getCa', 'GET', '/v1/ca')).body).toMatchObject({ subject: 'CN=CAPF-contract2', previous: [{}, {}] });

    const audit = await call(api, 'listAudit', 'GET', '/v1/audit?since=1h&limit=100');
    const events = (audit.body as { events: { action: string; result: string }[] }).events;
    expect(events.map((e) => `${e.action}:${e.result}`)).toEqual(expect.arrayContaining(['ca.regenerate:ok', 'ca.import:refused', 'ca.import:ok']));
    expect(JSON.stringify(events)).not.toContain('PRIVATE KEY');
  });

  it('offline CA: pending CSRs (list, count, show, delete one and all), stale LSCs, imports with their refusals', async () => {
    const key = await generatePhoneKey({ keyType: 'ec', curve: 'P-256' });
    const csrPem = derToPem(await buildCsr(key, 'SEP0011223344CC'), 'CERTIFICATE REQUEST');
    const record = (n: number) => ({
      deviceName: 'SEP0011223344CC',
      spkiSha256: String(n).repeat(64),
      operationId: `op-${n}`,
      requestId: `req-${n}`,
      objectKey: `csr/SEP0011223344CC/2026-12-02T10150${n}Z-req-${n}.csr`,
      keyType: 'EC P-256',
      requestedAt: `2026-12-02T10:15:0${n}.000Z`,
      csrPem,
      state: 'pending' as const,
    });
    for (const n of [1, 2, 3]) await api.stores.csrs.putOnce(record(n));
    const listed = await call(api, 'listCsrs', 'GET', '/v1/csrs');
    expect((listed.body as { csrs: { name: string; deviceName: string }[] }).csrs.map((c) => c.name)).toEqual([1, 2, 3].map((n) => `2026-12-02T10150${n}Z-req-${n}.csr`));
    expect((await call(api, 'listCsrs', 'GET', '/v1/csrs?all=yes')).status).toBe(400);
    expect((await call(api, 'countCsrs', 'GET', '/v1/csrs/count')).body).toEqual({ pending: 3, imported: 0 });
    expect((await call(api, 'getCsr', 'GET', '/v1/csrs/2026-12-02T101501Z-req-1.csr')).body).toMatchObject({ deviceName: 'SEP0011223344CC', pem: csrPem });
    expect((await call(api, 'getCsr', 'GET', `/v1/csrs/${encodeURIComponent(record(2).objectKey)}`)).body).toMatchObject({ name: '2026-12-02T101502Z-req-2.csr' });
    expect((await call(api, 'getCsr', 'GET', '/v1/csrs/nothing.csr')).status).toBe(404);
    expect((await call(api, 'deleteCsr', 'DELETE', '/v1/csrs/2026-12-02T101501Z-req-1.csr')).body).toMatchObject({ deleted: { name: '2026-12-02T101501Z-req-1.csr' } });
    expect((await call(api, 'deleteCsr', 'DELETE', '/v1/csrs/2026-12-02T101501Z-req-1.csr')).status).toBe(404);
    expect((await call(api, 'deleteAllCsrs', 'POST', '/v1/csrs/delete-all')).body).toEqual({ deleted: 2 });
    expect((await call(api, 'listStaleLscs', 'GET', '/v1/stale-lscs')).body).toEqual({ staleLscs: [] });
    expect((await call(api, 'deleteAllStaleLscs', 'POST', '/v1/stale-lscs/delete-all')).body).toEqual({ deleted: 0 });

    const chain = await makeChain('Offline');
    const refused = await call(api, 'importCertificates', 'POST', '/v1/certificates/import', { name: 'phone.pem', content: Buffer.from(chain.https.pem).toString('base64') });
    expect(refused.body).toMatchObject({ source: 'api:phone.pem', result: 'refused', certificates: [{ result: 'refused', code: 'NO_MATCHING_CSR' }] });
    expect((await call(api, 'importCertificates', 'POST', '/v1/certificates/import', { name: 'x.pem', content: '***' })).body).toMatchObject({ code: 'INVALID_BASE64' });
    expect((await call(api, 'importCertificates', 'POST', '/v1/certificates/import', { name: '../x.pem', content: 'AAAA' })).body).toMatchObject({ code: 'INVALID_REQUEST' });
    expect((await api.request('POST', '/v1/certificates/import', { name: 'big.pem', content: 'A'.repeat(66_000) })).status).toBe(413);
    exercised.get('importCertificates')?.add(413);
    const audit = await call(api, 'listAudit', 'GET', '/v1/audit?device=SEP0011223344CC&since=1h');
    expect((audit.body as { events: { action: string }[] }).events.filter((e) => e.action === 'csr.delete')).toHaveLength(3);
  });

  it('expiry monitor: a run (dry and real), the expiry report, the CRL it published (DER)', async () => {
    expect((await call(api, 'getCrl', 'GET', '/crl')).body).toMatchObject({ code: 'CRL_NOT_PUBLISHED' });
    await loadOrCreateLocalCa(api.dataDir);
    const dry = await call(api, 'runMonitor', 'POST', '/v1/monitor/run', { dryRun: true });
    expect(dry.body).toMatchObject({ dryRun: true });
    expect((await call(api, 'runMonitor', 'POST', '/v1/monitor/run', { dryRun: 'yes' })).status).toBe(400);
    const real = await call(api, 'runMonitor', 'POST', '/v1/monitor/run', {});
    expect(real.body).toMatchObject({ dryRun: false, crl: { published: true } });
    const report = await call(api, 'reportExpiry', 'GET', '/v1/reports/expiry?within=3650d');
    expect((report.body as { rows: { kind: string }[] }).rows.map((r) => r.kind)).toContain('capf-ca');
    expect((await call(api, 'reportExpiry', 'GET', '/v1/reports/expiry')).body).toMatchObject({ within: '30d', rows: expect.any(Array) });
    expect((await call(api, 'reportExpiry', 'GET', '/v1/reports/expiry?within=5y')).body).toMatchObject({ code: 'INVALID_SPAN' });
    const crl = await fetch(`${api.api.url}/crl`, { headers: { authorization: `Bearer ${api.token}` } });
    expect(crl.status).toBe(200);
    expect(crl.headers.get('content-type')).toBe('application/pkix-crl');
    const der = new Uint8Array(await crl.arrayBuffer());
    expect(der[0]).toBe(0x30); // a DER SEQUENCE: the CertificateList
    exercised.get('getCrl')?.add(200);
  });

  it('templates: create (and default), list, show, devices created through one or the default, delete', async () => {
    const created = await call(api, 'createTemplate', 'POST', '/v1/templates', { name: 'lab-phones', operation: 'install', keyOrder: 'ec', curve: 'P-384', deadlineDays: 7, default: true });
    expect(created).toMatchObject({ status: 201, body: { name: 'lab-phones', isDefault: true } });
    expect((await call(api, 'createTemplate', 'POST', '/v1/templates', { name: 'lab-phones' })).body).toMatchObject({ code: 'TEMPLATE_EXISTS' });
    expect((await call(api, 'createTemplate', 'POST', '/v1/templates', { name: 'x', deadlineDays: 3 })).body).toMatchObject({ code: 'INVALID_TEMPLATE' });
    expect((await call(api, 'createTemplate', 'POST', '/v1/templates', { name: 'bad name' })).status).toBe(400);
    await call(api, 'createTemplate', 'POST', '/v1/templates', { name: 'strings', operation: 'install', authMode: 'auth-string' });
    expect((await call(api, 'listTemplates', 'GET', '/v1/templates')).body).toMatchObject({ defaultTemplate: 'lab-phones', templates: [{ name: 'lab-phones' }, { name: 'strings' }] });
    expect((await call(api, 'getTemplate', 'GET', '/v1/templates/strings')).body).toMatchObject({ authMode: 'auth-string', isDefault: false });
    expect((await call(api, 'getTemplate', 'GET', '/v1/templates/none-such')).status).toBe(404);

    const byDefault = (await call(api, 'createDevice', 'POST', '/v1/devices', { name: 'SEP0000000000A1', rsaKeySize: 4096 })).body as Record<string, unknown>;
    expect(byDefault).toMatchObject({ operation: 'install', keyOrder: 'ec', curve: 'P-384', rsaKeySize: 4096, status: 'pending' });
    expect(Date.parse(byDefault.completesBy as string) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    const withStrings = (await call(api, 'createDevice', 'POST', '/v1/devices', { name: 'SEP0000000000A2', template: 'strings' })).body as Record<string, unknown>;
    expect(withStrings).toMatchObject({ authMode: 'auth-string', authStringSet: true, authString: expect.stringMatching(/^\d{8}$/), keyOrder: 'rsa' });
    expect((await call(api, 'createDevice', 'POST', '/v1/devices', { name: 'SEP0000000000A3', template: 'none-such' })).body).toMatchObject({ code: 'TEMPLATE_NOT_FOUND' });

    expect((await call(api, 'setDefaultTemplate', 'PUT', '/v1/template-default', { name: 'none-such' })).status).toBe(404);
    expect((await call(api, 'setDefaultTemplate', 'PUT', '/v1/template-default', { name: null })).body).toEqual({});
    expect((await call(api, 'createDevice', 'POST', '/v1/devices', { name: 'SEP0000000000A4' })).body).toMatchObject({ operation: 'none', keyOrder: 'rsa' });
    expect((await call(api, 'setDefaultTemplate', 'PUT', '/v1/template-default', { name: 'strings' })).body).toEqual({ defaultTemplate: 'strings' });
    expect((await call(api, 'deleteTemplate', 'DELETE', '/v1/templates/strings')).body).toMatchObject({ deleted: { name: 'strings' } });
    expect((await call(api, 'listTemplates', 'GET', '/v1/templates')).body).toEqual({ templates: [expect.objectContaining({ name: 'lab-phones' })] });
    expect((await call(api, 'deleteTemplate', 'DELETE', '/v1/templates/strings')).status).toBe(404);
    expect((await call(api, 'deleteTemplate', 'DELETE', '/v1/templates/bad%20name')).status).toBe(400);
  });

  it('device CSV: import (a bad line refused with its number, a refused row reported), export that imports back', async () => {
    const header = 'DEVICE NAME,CAPF OPERATION,AUTHENTICATION MODE,AUTHENTICATION STRING,KEY ORDER,RSA KEY SIZE (BITS),EC KEY SIZE (BITS),OPERATION COMPLETES BY,TEMPLATE';
    const bad = await call(api, 'importDevices', 'POST', '/v1/device-import', { csv: `${header}\nSEP0000000000C1,Install/Upgrade,,,,,,,\nSEP0000000000C2,Explode,,,,,,,\n` });
    expect(bad.body).toMatchObject({ code: 'INVALID_CSV', message: expect.stringContaining('line 3: CAPF OPERATION "Explode"') });
    const csv = `${header}\nSEP0000000000C1,Install/Upgrade,By Authentication String,12345678,EC Only,,384,,\nSEP0000000000C2,,,,,,,,no-such-template\n`;
    expect((await call(api, 'importDevices', 'POST', '/v1/device-import', { csv, dryRun: true })).body).toMatchObject({ rows: 2, created: 0, dryRun: true });
    const imported = await call(api, 'importDevices', 'POST', '/v1/device-import', { csv });
    expect(imported.body).toMatchObject({ rows: 2, created: 1, changed: 0, failed: [{ line: 3, name: 'SEP0000000000C2', code: 'TEMPLATE_NOT_FOUND' }] });
    const exported = await call(api, 'exportDevices', 'GET', '/v1/device-export?prefix=SEP0000000000C');
    expect((exported.body as { csv: string }).csv).toBe(`${header}\r\nSEP0000000000C1,Install/Upgrade,By Authentication String,,EC Only,2048,384,,\r\n`);
    const again = await call(api, 'importDevices', 'POST', '/v1/device-import', { csv: (exported.body as { csv: string }).csv });
    expect(again.body).toMatchObject({ rows: 1, created: 0, changed: 1, failed: [] });
    expect((await call(api, 'getDevice', 'GET', '/v1/devices/SEP0000000000C1')).body).toMatchObject({ operation: 'install', authStringSet: true, keyOrder: 'ec', curve: 'P-384', version: 2 });
    expect((await call(api, 'exportDevices', 'GET', '/v1/device-export?limit=5000')).status).toBe(400);
    // The authentication-mode filter: C1 authenticates by string, so a null-string export leaves it out.
    const byString = await call(api, 'exportDevices', 'GET', '/v1/device-export?prefix=SEP0000000000C&authMode=auth-string');
    expect((byString.body as { csv: string }).csv).toContain('SEP0000000000C1,');
    const byNull = await call(api, 'exportDevices', 'GET', '/v1/device-export?prefix=SEP0000000000C&authMode=null-string');
    expect((byNull.body as { csv: string }).csv).toBe(`${header}\r\n`);
    expect((await call(api, 'exportDevices', 'GET', '/v1/device-export?authMode=guess')).status).toBe(400);
  });

  it('bulk jobs: dry run, a scheduled job cancelled, a job run now with unique strings (shown once), the refusals', async () => {
    for (const n of [1, 2, 3]) await call(api, 'createDevice', 'POST', '/v1/devices', { name: `SEP0000000B000${n}` });
    const dry = await call(api, 'createBulkJob', 'POST', '/v1/bulk-jobs', { operation: 'install', selection: { prefix: 'SEP0000000B' }, generateStrings: true, dryRun: true });
    expect(dry).toMatchObject({ status: 200, body: { dryRun: true, count: 3, sample: ['SEP0000000B0001', 'SEP0000000B0002', 'SEP0000000B0003'] } });
    expect((await call(api, 'createBulkJob', 'POST', '/v1/bulk-jobs', { operation: 'install', selection: {} })).body).toMatchObject({ code: 'EMPTY_SELECTION' });
    expect((await call(api, 'createBulkJob', 'POST', '/v1/bulk-jobs', { operation: 'install', selection: { names: ['SEP0000000B0001'], prefix: 'SEP' } })).body).toMatchObject({ code: 'INVALID_REQUEST' });
    expect((await call(api, 'createBulkJob', 'POST', '/v1/bulk-jobs', { operation: 'install', selection: { prefix: 'SEP' }, authString: '12345678', generateStrings: true })).body).toMatchObject({ code: 'CONFLICTING_AUTH_STRING' });
    expect((await call(api, 'createBulkJob', 'POST', '/v1/bulk-jobs', { operation: 'install', selection: { prefix: 'SEP' }, runAt: 'tomorrow' })).status).toBe(400);

    const later = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await call(api, 'createBulkJob', 'POST', '/v1/bulk-jobs', { operation: 'delete', selection: { pattern: 'SEP0000000B000?' }, authString: 'abcd1234', runAt: later });
    const scheduledJob = (scheduled.body as { job: { id: string } }).job;
    expect(scheduled).toMatchObject({ status: 201, body: { count: 3, job: { state: 'scheduled', runAt: later, sharedAuthString: true } } });
    expect(JSON.stringify(scheduled.body)).not.toContain('abcd1234');
    expect((await call(api, 'cancelBulkJob', 'POST', `/v1/bulk-jobs/${scheduledJob.id}/cancel`)).body).toMatchObject({ job: { state: 'cancelled' } });
    expect((await call(api, 'cancelBulkJob', 'POST', `/v1/bulk-jobs/${scheduledJob.id}/cancel`)).status).toBe(409);
    expect((await call(api, 'cancelBulkJob', 'POST', '/v1/bulk-jobs/20261203-00000000/cancel')).status).toBe(404);
    expect((await call(api, 'cancelBulkJob', 'POST', '/v1/bulk-jobs/nope/cancel')).status).toBe(400);
    expect((await call(api, 'takeBulkJobStrings', 'POST', `/v1/bulk-jobs/${scheduledJob.id}/strings`)).body).toMatchObject({ code: 'NO_STRINGS' });

    const names = ['SEP0000000B0001', 'SEP0000000B0002', 'SEP0000000B0003', 'SEP0000000B0009'];
    const created = await call(api, 'createBulkJob', 'POST', '/v1/bulk-jobs', { operation: 'install', selection: { names }, generateStrings: true, completesBy: later });
    const id = (created.body as { job: { id: string } }).job.id;
    let shown = await call(api, 'getBulkJob', 'GET', `/v1/bulk-jobs/${id}`);
    for (let i = 0; i < 200 && (shown.body as { job: { state: string } }).job.state !== 'done'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      shown = await call(api, 'getBulkJob', 'GET', `/v1/bulk-jobs/${id}`);
    }
    expect(shown.body).toMatchObject({ job: { state: 'done', total: 4, done: 3, failed: 1, remaining: 0 }, failures: [{ name: 'SEP0000000B0009', reason: expect.stringContaining('DEVICE_NOT_FOUND') }] });
    expect((await call(api, 'getBulkJob', 'GET', `/v1/bulk-jobs/${id}?failures=0`)).body).toMatchObject({ failures: [] });
    expect((await call(api, 'getBulkJob', 'GET', `/v1/bulk-jobs/${id}?failures=5000`)).status).toBe(400);
    expect((await call(api, 'getBulkJob', 'GET', '/v1/bulk-jobs/20261203-00000000')).status).toBe(404);
    expect((await call(api, 'getDevice', 'GET', '/v1/devices/SEP0000000B0002')).body).toMatchObject({ operation: 'install', status: 'pending', authMode: 'auth-string', authStringSet: true, completesBy: later });
    expect((await call(api, 'cancelBulkJob', 'POST', `/v1/bulk-jobs/${id}/cancel`)).body).toMatchObject({ code: 'JOB_CONFLICT' });

    expect((await call(api, 'takeBulkJobStrings', 'POST', `/v1/bulk-jobs/${id}/strings?from=1`)).body).toMatchObject({ code: 'STRINGS_PAGE_SHOWN' });
    expect((await call(api, 'takeBulkJobStrings', 'POST', `/v1/bulk-jobs/${id}/strings?from=first`)).status).toBe(400);
    const strings = (await call(api, 'takeBulkJobStrings', 'POST', `/v1/bulk-jobs/${id}/strings?from=0`)).body as { strings: { name: string; authString: string }[] };
    expect(strings).not.toHaveProperty('next'); // one chunk: the first page is the last
    expect(strings.strings.map((s) => s.name)).toEqual(names.slice(0, 3));
    expect(new Set(strings.strings.map((s) => s.authString)).size).toBe(3);
    expect((await call(api, 'takeBulkJobStrings', 'POST', `/v1/bulk-jobs/${id}/strings`)).body).toMatchObject({ code: 'STRINGS_SHOWN' });
    expect((await call(api, 'takeBulkJobStrings', 'POST', '/v1/bulk-jobs/20261203-00000000/strings')).status).toBe(404);
    const listed = (await call(api, 'listBulkJobs', 'GET', '/v1/bulk-jobs')).body as { jobs: { id: string; stringsShownAt?: string }[] };
    expect(listed.jobs.map((j) => j.id).sort()).toEqual([id, scheduledJob.id].sort());
    expect(JSON.stringify(listed)).not.toContain('stringSeed');
  });

  it('refuses a request without the token, an unknown route and a wrong method, as JSON errors', async () => {
    const unauthorised = await fetch(`${api.api.url}/v1/devices`);
    expect(unauthorised.status).toBe(401);
    expect(await unauthorised.json()).toMatchObject({ code: 'UNAUTHORISED' });
    const wrongToken = await fetch(`${api.api.url}/v1/devices`, { headers: { authorization: 'Bearer nottherighttoken' } });
    expect(wrongToken.status).toBe(401);
    expect((await api.request('GET', '/v2/nothing')).body).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    const wrongMethod = await api.request('PUT', '/v1/parameters', {});
    expect(wrongMethod).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED', allowed: ['GET', 'PATCH'] } });
    expect(wrongMethod.headers.get('allow')).toBe('GET, PATCH');
    expect((await api.request('POST', '/v1/devices', '{not json')).body).toMatchObject({ code: 'INVALID_JSON' });
    expect((await api.request('POST', '/v1/devices', 'x'.repeat(70_000))).status).toBe(413);
  });

  it('exercised every operation of the document', () => {
    expect([...exercised.keys()].sort()).toEqual(operations.map((o) => o.operationId).sort());
  });
});
