// Where people hear from the service: one SNS topic (alarms and expiry notices, email subscriptions for the
// configured recipients) and the SES identity expiry emails are sent from (F19).
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface NotificationsProps {
  environment: string;
  emailRecipients: string[];
  senderEmail?: string;
}

export class Notifications extends Construct {
  readonly topic: sns.Topic;
  readonly sender?: ses.EmailIdentity;
  /** Environment variables of a function that notifies. */
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `capf-cloud ${props.environment}`,
      enforceSSL: true,
    });
    for (const email of props.emailRecipients) this.topic.addSubscription(new subscriptions.EmailSubscription(email));

    const senderEmail = props.senderEmail ?? props.emailRecipients[0];
    // CAPF_CLUSTER_NAME: which deployment a digest or topic message is about (the subject names it).
    this.environment = { CAPF_TOPIC_ARN: this.topic.topicArn, CAPF_EMAIL_RECIPIENTS: props.emailRecipients.join(','), CAPF_CLUSTER_NAME: `capf-${props.environment}` };
    if (senderEmail) {
      // SES mails the address a verification link; sending works once it is clicked (and, in the SES sandbox,
      // only to verified recipients).
      this.sender = new ses.EmailIdentity(this, 'Sender', { identity: ses.Identity.email(senderEmail) });
      this.environment.CAPF_SENDER_EMAIL = senderEmail;
    }
  }

  grantNotify(grantee: iam.IGrantable): void {
    this.topic.grantPublish(grantee);
    this.sender?.grantSendEmail(grantee);
  }
}
