// Reads back an email the notifiers made (an outbox .eml, or the raw message moto recorded for SES) the way a mail
// client would, with postal-mime, and checks the RFC 5322 / MIME structure around it.
import PostalMime, { type Email, type Mailbox } from 'postal-mime';
import { expect } from 'vitest';

export interface ExpectedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

function headerBlock(raw: string): string {
  const end = raw.indexOf('\r\n\r\n');
  expect(end).toBeGreaterThan(0);
  return raw.slice(0, end);
}

/** Asserts the message is well-formed MIME with a text and an HTML alternative equal to `expected`; returns it parsed. */
export async function expectDigestMail(bytes: Uint8Array | string, expected: ExpectedMail): Promise<Email> {
  const raw = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
  // RFC 5322 §2.1 and §2.1.1: CRLF line ends only, lines of at most 998 characters.
  expect(raw).not.toMatch(/[^\r]\n|\r[^\n]/);
  for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
  const headers = headerBlock(raw);
  expect(headers).toMatch(/^MIME-Version: 1\.0$/m);
  expect(headers).toMatch(/^Auto-Submitted: auto-generated$/m);
  expect(headers).toMatch(/^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/m);
  const boundary = /^Content-Type: multipart\/alternative;\r\n boundary="([^"]+)"$/m.exec(headers)?.[1];
  expect(boundary, 'root Content-Type is multipart/alternative with a boundary').toBeDefined();
  const parts = raw.split(`--${boundary}`).slice(1, -1).map((part) => /^\r\nContent-Type: ([^;\r]+)/.exec(part)?.[1]);
  expect(parts).toEqual(['text/plain', 'text/html']); // plain first: clients show the last alternative they can
  expect(raw.trimEnd().endsWith(`--${boundary}--`)).toBe(true);

  const mail = await PostalMime.parse(raw);
  expect((mail.from as Mailbox).address).toBe(expected.from);
  expect((mail.to ?? []).map((a) => (a as Mailbox).address)).toEqual(expected.to);
  expect(mail.subject).toBe(expected.subject);
  expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@[^>]+>$/);
  expect(Number.isNaN(Date.parse(mail.date ?? ''))).toBe(false);
  // postal-mime keeps the CRLF that RFC 2046 §5.1.1 gives to the boundary line after a part, so one trailing newline
  // may be extra.
  const body = (part: string | undefined) => part?.replace(/\r\n/g, '\n').replace(/\n\n$/, '\n');
  expect(body(mail.text)).toBe(expected.text);
  expect(body(mail.html)).toBe(expected.html);
  expect(mail.attachments).toEqual([]);
  return mail;
}
