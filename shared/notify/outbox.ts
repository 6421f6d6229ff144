// The local stack's stand-in for SES and SNS: each email becomes an .eml file (the same MIME bytes SES would send,
// openable in a mail client) and each topic message a .json file, in <data>/outbox/. File names start with the UTC
// time to the millisecond, then a per-process sequence number and random digits, so `ls` lists them in the order they
// were written and two processes never collide.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotificationError } from '../errors.ts';
import { buildMime, checkAddress } from './mime.ts';
import { topicMessageBody } from './topic-message.ts';
import type { NotificationMessage, NotificationReceipt, Notifier } from '../ports/index.ts';

export const OUTBOX_FOLDER = 'outbox';
/** The sender of local emails when none is configured. */
export const OUTBOX_DEFAULT_FROM = 'capf@localhost';

export interface OutboxOptions {
  /** The data folder; files go to <dataDir>/outbox/ (created when missing). */
  dataDir: string;
  from?: string;
  fromName?: string;
  /** For tests: the time in file names and the Date header. */
  clock?: () => Date;
}

let sequence = 0;

/** `20310304T050607123Z-000001-1a2b3c4d-email.eml`: sortable by time, unique across processes. */
export function outboxFileName(at: Date, kind: 'email' | 'topic'): string {
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  sequence = (sequence + 1) % 1_000_000;
  return `${stamp}-${String(sequence).padStart(6, '0')}-${randomBytes(4).toString('hex')}-${kind}.${kind === 'email' ? 'eml' : 'json'}`;
}

/** Writes beside the final name and renames, so a reader never sees half a file; `wx` refuses to overwrite. */
async function writeOutboxFile(options: OutboxOptions, name: string, content: Buffer | string): Promise<string> {
  const folder = join(options.dataDir, OUTBOX_FOLDER);
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const temporary = join(folder, `.${name}.tmp`);
    await writeFile(temporary, content, { flag: 'wx', mode: 0o600 });
    await rename(temporary, join(folder, name));
  } catch (error) {
    throw new NotificationError(`cannot write ${name} to ${folder}: ${(error as Error).message}`, 'OUTBOX_UNWRITABLE', { cause: error });
  }
  return name;
}

/** Email into <data>/outbox/*.eml. Errors as SesEmailNotifier for the message; OUTBOX_UNWRITABLE for the folder. */
export class OutboxEmailNotifier implements Notifier {
  readonly channel = 'email' as const;
  readonly destination = 'outbox';
  private readonly options: OutboxOptions;

  constructor(options: OutboxOptions) {
    checkAddress(options.from ?? OUTBOX_DEFAULT_FROM, 'outbox sender');
    this.options = options;
  }

  async send(message: NotificationMessage): Promise<NotificationReceipt> {
    const now = this.options.clock?.() ?? new Date();
    const mime = await buildMime(message, { from: this.options.from ?? OUTBOX_DEFAULT_FROM, fromName: this.options.fromName, date: now });
    return { channel: 'email', id: await writeOutboxFile(this.options, outboxFileName(now, 'email'), mime.bytes) };
  }
}

/** Topic messages into <data>/outbox/*.json: the JSON document a raw-delivery SNS subscriber would receive, indented.
 *  Errors as SnsTopicNotifier for the message; OUTBOX_UNWRITABLE for the folder. */
export class OutboxTopicNotifier implements Notifier {
  readonly channel = 'topic' as const;
  readonly destination = 'outbox';
  private readonly options: OutboxOptions;

  constructor(options: OutboxOptions) {
    this.options = options;
  }

  async send(message: NotificationMessage): Promise<NotificationReceipt> {
    // Checked (and sized) as SNS would take it; written indented, for people.
    const body = JSON.stringify(JSON.parse(topicMessageBody(message)), null, 2);
    const now = this.options.clock?.() ?? new Date();
    return { channel: 'topic', id: await writeOutboxFile(this.options, outboxFileName(now, 'topic'), `${body}\n`) };
  }
}
