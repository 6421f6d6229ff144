// shared/notify: the adapters of the notifier port (shared/ports/notifier.ts): SES, SNS, and the local outbox of .eml
// and .json files.
export type { NotificationChannel, NotificationMessage, NotificationReceipt, Notifier } from '../ports/index.ts';
export { buildMime, MAX_MIME_BYTES, MAX_RECIPIENTS, type MimeMessage, type MimeOptions } from './mime.ts';
export { SesEmailNotifier, type SesNotifierOptions } from './ses.ts';
export { SnsTopicNotifier, type SnsNotifierOptions } from './sns.ts';
export { SNS_MAX_MESSAGE_BYTES, SNS_MAX_SUBJECT_CHARS, snsSubject } from './topic-message.ts';
export { OUTBOX_DEFAULT_FROM, OUTBOX_FOLDER, OutboxEmailNotifier, outboxFileName, OutboxTopicNotifier, type OutboxOptions } from './outbox.ts';
