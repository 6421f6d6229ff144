// The body of a topic message, checked against SNS's limits by both the SNS adapter and the local outbox, so a
// digest too large for SNS fails the same way locally.
import { NotificationError } from '../errors.ts';
import type { NotificationMessage } from '../ports/index.ts';

/** SNS limits: a message of at most 256 KiB, a subject of at most 100 printable ASCII characters. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
export const SNS_MAX_SUBJECT_CHARS = 100;

/** The JSON document as published (compact). NotificationError INVALID_MESSAGE or MESSAGE_TOO_LARGE. */
export function topicMessageBody(message: NotificationMessage): string {
  const body = JSON.stringify(message.json);
  if (typeof body !== 'string' || message.json === null || typeof message.json !== 'object') {
    throw new NotificationError('a topic message needs a JSON document (an object)', 'INVALID_MESSAGE');
  }
  const size = Buffer.byteLength(body);
  if (size > SNS_MAX_MESSAGE_BYTES) throw new NotificationError(`the topic message is ${size} bytes, over SNS's ${SNS_MAX_MESSAGE_BYTES}`, 'MESSAGE_TOO_LARGE');
  return body;
}

/** SNS's subject rules: printable ASCII, one line, starting with a letter, digit or punctuation, ≤ 100 characters. */
export function snsSubject(subject: string): string {
  const ascii = String(subject).replace(/[^\x20-\x7e]/g, '?').trim();
  return (ascii || 'CAPF notification').slice(0, SNS_MAX_SUBJECT_CHARS);
}
