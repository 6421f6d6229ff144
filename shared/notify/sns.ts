// The digest's JSON document published to an SNS topic (chat, paging, or any subscriber).
import type { SNSClient } from '@aws-sdk/client-sns';
import { errorName, NotificationError } from '../errors.ts';
import { NOTIFY_CLIENT_LIMITS, snsSdk } from './aws-sdk.ts';
import { snsSubject, topicMessageBody } from './topic-message.ts';
import type { NotificationMessage, NotificationReceipt, Notifier } from '../ports/index.ts';

export interface SnsNotifierOptions {
  topicArn: string;
  /** Default: an SNSClient with the SDK's region and endpoint settings and NOTIFY_CLIENT_LIMITS. */
  client?: SNSClient;
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const REJECTIONS = new Set(['NotFoundException', 'AuthorizationErrorException', 'InvalidParameterException', 'InvalidParameterValueException', 'KMSAccessDeniedException', 'KMSDisabledException']);

export class SnsTopicNotifier implements Notifier {
  readonly channel = 'topic' as const;
  readonly destination: string;
  private client: SNSClient | undefined;

  constructor(options: SnsNotifierOptions) {
    if (!TOPIC_ARN.test(options.topicArn)) throw new NotificationError(`${JSON.stringify(options.topicArn.slice(0, 120))} is not an SNS topic ARN`, 'INVALID_TOPIC');
    this.destination = options.topicArn;
    this.client = options.client;
  }

  /**
   * NotificationError codes: INVALID_MESSAGE / MESSAGE_TOO_LARGE (no document, or over 256 KiB), TOPIC_REJECTED (missing topic, no
   * permission, bad parameter: an administrator must act), TOPIC_UNAVAILABLE (SNS did not answer: retrying may help).
   */
  async send(message: NotificationMessage): Promise<NotificationReceipt> {
    const body = topicMessageBody(message);
    const { SNSClient, PublishCommand } = await snsSdk();
    this.client ??= new SNSClient(NOTIFY_CLIENT_LIMITS);
    try {
      const answer = await this.client.send(new PublishCommand({ TopicArn: this.destination, Subject: snsSubject(message.subject), Message: body }));
      return { channel: 'topic', id: answer.MessageId ?? '' };
    } catch (error) {
      const name = errorName(error);
      if (REJECTIONS.has(name)) {
        throw new NotificationError(`SNS refused the message for ${this.destination} (${name}): check that the topic exists and the monitor may publish to it`, 'TOPIC_REJECTED', { cause: error });
      }
      throw new NotificationError(`SNS did not publish to ${this.destination} (${name})`, 'TOPIC_UNAVAILABLE', { cause: error });
    }
  }
}
