// The notifier port: how the expiry monitor (and later failure notices) hands a message to email (SES, or .eml files
// locally) and to a topic (SNS, or .json files locally). Adapters: shared/notify (ses.ts, sns.ts, outbox.ts).

export type NotificationChannel = 'email' | 'topic';

export interface NotificationMessage {
  /** One line; a topic adapter keeps it within SNS's 100 ASCII characters. */
  subject: string;
  /** Plain-text body (lines end in \n; the MIME encoder writes CRLF). */
  text: string;
  /** HTML body, the alternative to `text` in the email. */
  html: string;
  /** The document a topic publishes (JSON.stringify'd). */
  json: object;
  /** Email addresses, 1–50; a topic adapter ignores them: the topic's subscribers get the message. */
  recipients: readonly string[];
}

export interface NotificationReceipt {
  channel: NotificationChannel;
  /** SES MessageId, SNS MessageId, or the outbox file name. */
  id: string;
}

export interface Notifier {
  readonly channel: NotificationChannel;
  /** The destination, stable across runs: `ses`, the topic ARN, `outbox`. A topic's dedupe recipient is
   *  `topic:<destination>`. */
  readonly destination: string;
  /** Sends one message. NotificationError with a code that says whether retrying can help (see each adapter). */
  send(message: NotificationMessage): Promise<NotificationReceipt>;
}
