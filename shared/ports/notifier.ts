// The notifier port: tells people something (a digest of certificates about to expire, an operation that failed). In
// AWS an adapter sends it through SES and SNS; the local stack writes it as a file in the data folder.

export interface Notification {
  /** One line, as an email subject. */
  subject: string;
  /** The message for people: plain text. */
  text: string;
  /** The same facts as structured JSON (for SNS subscribers, tests and the console); no key material, no secrets. */
  data: Record<string, unknown>;
  /** Email addresses; empty means the deployment's configured recipients. */
  recipients: string[];
}

export interface Notifier {
  /** Sends the notification; throws a CapfError when it could not be handed over. */
  send(notification: Notification): Promise<void>;
}
