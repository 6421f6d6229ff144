// Email through Amazon SES (API v2): the MIME message from mime.ts sent as raw content, so SES delivers exactly the
// bytes the local outbox would write.
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { errorName, NotificationError } from '../errors.ts';
import { NOTIFY_CLIENT_LIMITS, sesV2Sdk } from './aws-sdk.ts';
import { buildMime, checkAddress } from './mime.ts';
import type { NotificationMessage, NotificationReceipt, Notifier } from '../ports/index.ts';

export interface SesNotifierOptions {
  /** A verified SES identity (the address, or an address at a verified domain). */
  from: string;
  fromName?: string;
  configurationSetName?: string;
  /** Default: an SESv2Client with the SDK's region and endpoint settings and NOTIFY_CLIENT_LIMITS. */
  client?: SESv2Client;
}

/** SES errors that retrying cannot fix: the sender, the account or the recipient needs an administrator. */
const REJECTIONS = new Set(['MessageRejected', 'MailFromDomainNotVerifiedException', 'AccountSuspendedException', 'SendingPausedException', 'BadRequestException', 'NotFoundException']);

export class SesEmailNotifier implements Notifier {
  readonly channel = 'email' as const;
  readonly destination = 'ses';
  private readonly options: SesNotifierOptions;
  private client: SESv2Client | undefined;

  constructor(options: SesNotifierOptions) {
    checkAddress(options.from, 'SES sender');
    this.options = options;
    this.client = options.client;
  }

  /**
   * NotificationError codes: INVALID_ADDRESS / INVALID_MESSAGE / MESSAGE_TOO_LARGE (the message), EMAIL_REJECTED (SES
   * refused it: fix the identity, the account or the recipient, then retry), EMAIL_UNAVAILABLE (SES did not answer:
   * retrying may help).
   */
  async send(message: NotificationMessage): Promise<NotificationReceipt> {
    const mime = await buildMime(message, { from: this.options.from, fromName: this.options.fromName });
    const { SESv2Client, SendEmailCommand } = await sesV2Sdk();
    this.client ??= new SESv2Client(NOTIFY_CLIENT_LIMITS);
    try {
      const answer = await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.options.from,
          Destination: { ToAddresses: [...message.recipients] },
          Content: { Raw: { Data: mime.bytes } },
          ...(this.options.configurationSetName ? { ConfigurationSetName: this.options.configurationSetName } : {}),
        }),
      );
      return { channel: 'email', id: answer.MessageId ?? mime.messageId };
    } catch (error) {
      const name = errorName(error);
      if (REJECTIONS.has(name)) {
        throw new NotificationError(
          `SES refused the email from ${this.options.from} (${name}): verify the sender identity in SES, and while the account is in the SES sandbox each recipient too`,
          'EMAIL_REJECTED',
          { cause: error },
        );
      }
      throw new NotificationError(`SES did not send the email (${name})`, 'EMAIL_UNAVAILABLE', { cause: error });
    }
  }
}
