// One RFC 5322 MIME message per email (multipart/alternative: text/plain, then text/html), built by nodemailer's
// MailComposer. SES sends these bytes as a raw message and the local outbox writes the same bytes to an .eml file.
// nodemailer loads on the first message built, not with the module: the expiry monitor's cold start does not parse it.
import { randomUUID } from 'node:crypto';
import { NotificationError } from '../errors.ts';
import type { NotificationMessage } from '../ports/index.ts';

/** SES accepts at most 50 recipients per message. The monitor sends one message per recipient. */
export const MAX_RECIPIENTS = 50;
/** SES v2's raw message limit is 10 MB (older accounts); far above any digest. */
export const MAX_MIME_BYTES = 10_000_000;

const ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** A plain ASCII address (`local@domain`, no display name), at most 254 characters; NotificationError otherwise. */
export function checkAddress(address: string, what: string): string {
  if (typeof address !== 'string' || address.length > 254 || !ADDRESS.test(address)) {
    throw new NotificationError(`${what} ${JSON.stringify(String(address).slice(0, 80))} is not an email address (local@domain, ASCII)`, 'INVALID_ADDRESS');
  }
  return address;
}

export function checkRecipients(recipients: readonly string[]): string[] {
  if (!Array.isArray(recipients) || recipients.length === 0) throw new NotificationError('an email needs at least one recipient', 'INVALID_ADDRESS');
  if (recipients.length > MAX_RECIPIENTS) throw new NotificationError(`an email has at most ${MAX_RECIPIENTS} recipients, not ${recipients.length}`, 'INVALID_ADDRESS');
  return recipients.map((recipient) => checkAddress(recipient, 'recipient'));
}

export interface MimeOptions {
  from: string;
  /** Display name shown with `from`; default `CAPF`. */
  fromName?: string;
  date?: Date;
}

export interface MimeMessage {
  bytes: Buffer;
  /** Message-ID without angle brackets. */
  messageId: string;
}

/** Builds the message; NotificationError for a bad address or one over MAX_MIME_BYTES. */
export async function buildMime(message: NotificationMessage, options: MimeOptions): Promise<MimeMessage> {
  const from = checkAddress(options.from, 'sender');
  const to = checkRecipients(message.recipients);
  if (/[\r\n]/.test(message.subject)) throw new NotificationError('an email subject is one line', 'INVALID_MESSAGE');
  const messageId = `${randomUUID()}@${from.slice(from.indexOf('@') + 1)}`;
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  const composer = new MailComposer({
    from: { name: options.fromName ?? 'CAPF', address: from },
    to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    date: options.date ?? new Date(),
    messageId: `<${messageId}>`,
    // RFC 3834: a machine sent this; auto-responders should not answer it.
    headers: { 'Auto-Submitted': 'auto-generated' },
    disableFileAccess: true,
    disableUrlAccess: true,
    newline: 'win', // CRLF everywhere, bodies included (RFC 5322 §2.1); without it body lines keep their bare \n
  });
  const bytes = await composer.compile().build();
  if (bytes.length > MAX_MIME_BYTES) throw new NotificationError(`the email is ${bytes.length} bytes, over the ${MAX_MIME_BYTES}-byte limit`, 'MESSAGE_TOO_LARGE');
  return { bytes, messageId };
}
