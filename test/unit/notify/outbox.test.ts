// The local outbox: each email a real MIME .eml file (read back as a mail client would), each topic message a .json
// file, names sortable by time and unique, nothing half-written, clear errors.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NotificationError } from '../../../shared/errors.ts';
import { OutboxEmailNotifier, OutboxTopicNotifier, SNS_MAX_MESSAGE_BYTES } from '../../../shared/notify/index.ts';
import { expectDigestMail } from '../../support/mail.ts';
import { sampleMessage } from '../../support/sample-digest.ts';

const root = mkdtempSync(join(tmpdir(), 'capf-outbox-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
const dataDir = () => join(root, `data-${folders++}`);

describe('OutboxEmailNotifier', () => {
  it('writes the digest as an .eml a mail client reads back: headers, text and HTML alternatives, CRLF', async () => {
    const data = dataDir();
    const { digest, message } = sampleMessage(['capf-admin@localhost']);
    const at = new Date('2031-03-04T05:06:07.089Z');
    const receipt = await new OutboxEmailNotifier({ dataDir: data, clock: () => at }).send(message);
    expect(receipt.channel).toBe('email');
    expect(receipt.id).toMatch(/^20310304T050607089Z-\d{6}-[0-9a-f]{8}-email\.eml$/);
    expect(readdirSync(join(data, 'outbox'))).toEqual([receipt.id]);
    const raw = readFileSync(join(data, 'outbox', receipt.id));
    const mail = await expectDigestMail(raw, { from: 'capf@localhost', to: ['capf-admin@localhost'], subject: digest.subject, text: digest.text, html: digest.html });
    expect(mail.date).toBe('2031-03-04T05:06:07.000Z');
    expect(mail.html).toContain('Zertifizierungsstelle Müller &lt;Labor&gt; &amp; Söhne');
    expect(raw.toString('latin1')).toMatch(/^From: CAPF <capf@localhost>\r$/m);
  });

  it('encodes a non-ASCII subject and sender name (RFC 2047) and keeps them readable', async () => {
    const data = dataDir();
    const { message } = sampleMessage(['ops@example.com', 'pager@example.com']);
    const subject = 'Zertifikate laufen ab — Müller';
    const receipt = await new OutboxEmailNotifier({ dataDir: data, from: 'capf@example.com', fromName: 'CAPF Prüfung' }).send({ ...message, subject });
    const raw = readFileSync(join(data, 'outbox', receipt.id));
    expect(raw.toString('latin1')).toMatch(/^Subject: =\?UTF-8\?Q\?/m);
    const mail = await expectDigestMail(raw, { from: 'capf@example.com', to: ['ops@example.com', 'pager@example.com'], subject, text: message.text, html: message.html });
    expect((mail.from as { name: string }).name).toBe('CAPF Prüfung');
  });

  it('names files so that ls lists them in the order written, never twice the same, and leaves no temporary file', async () => {
    const data = dataDir();
    const { message } = sampleMessage(['ops@example.com']);
    let tick = Date.parse('2031-03-04T05:06:07Z');
    const clock = () => new Date(Math.floor(tick++ / 3)); // three files per millisecond
    const email = new OutboxEmailNotifier({ dataDir: data, clock });
    const topic = new OutboxTopicNotifier({ dataDir: data, clock });
    const written: string[] = [];
    for (let i = 0; i < 30; i++) written.push((await (i % 2 ? topic : email).send(message)).id);
    const listed = readdirSync(join(data, 'outbox'));
    expect(listed.sort()).toEqual(written);
    expect(new Set(written).size).toBe(written.length);
    expect(listed.filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a bad address or no recipient without writing anything', async () => {
    const data = dataDir();
    const { message } = sampleMessage(['ops@example.com']);
    const notifier = new OutboxEmailNotifier({ dataDir: data });
    for (const recipients of [[], ['not an address'], ['ops@example.com\r\nBcc: x@example.com'], Array.from({ length: 51 }, (_, i) => `r${i}@example.com`)]) {
      const error = await notifier.send({ ...message, recipients }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotificationError);
      expect((error as NotificationError).code).toBe('INVALID_ADDRESS');
    }
    expect(() => new OutboxEmailNotifier({ dataDir: data, from: 'nobody' })).toThrow(/outbox sender "nobody" is not an email address/);
    await expect(notifier.send({ ...message, subject: 'two\nlines' })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(() => readdirSync(join(data, 'outbox'))).toThrow(/ENOENT/);
  });

  it('says which folder it cannot write', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a folder');
    const { message } = sampleMessage(['ops@example.com']);
    const error = await new OutboxEmailNotifier({ dataDir: file }).send(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotificationError);
    expect((error as NotificationError).code).toBe('OUTBOX_UNWRITABLE');
    expect((error as NotificationError).message).toContain(join(file, 'outbox'));
  });
});

describe('OutboxTopicNotifier', () => {
  it('writes the JSON document a raw SNS subscriber would get, indented', async () => {
    const data = dataDir();
    const { digest, message } = sampleMessage([]);
    const receipt = await new OutboxTopicNotifier({ dataDir: data }).send(message);
    expect(receipt.id).toMatch(/^\d{8}T\d{9}Z-\d{6}-[0-9a-f]{8}-topic\.json$/);
    const text = readFileSync(join(data, 'outbox', receipt.id), 'utf8');
    expect(text).toMatch(/^\{\n {2}"version": "1.0",\n/);
    expect(JSON.parse(text)).toEqual(digest.json);
  });

  it('refuses what SNS would refuse: no document, or one over 256 KiB', async () => {
    const data = dataDir();
    const { message } = sampleMessage([]);
    const notifier = new OutboxTopicNotifier({ dataDir: data });
    await expect(notifier.send({ ...message, json: { blob: 'x'.repeat(SNS_MAX_MESSAGE_BYTES) } })).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    await expect(notifier.send({ ...message, json: null as unknown as object })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    expect(() => readdirSync(join(data, 'outbox'))).toThrow(/ENOENT/);
  });
});
