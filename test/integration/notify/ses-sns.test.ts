// SesEmailNotifier and SnsTopicNotifier against moto_server. This file starts its own moto so that reading back what
// moto recorded (GET /moto-api/data.json: ses.RawMessage, sns.Topic[].sent_notifications) sees only its own data.
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationError } from '../../../shared/errors.ts';
import { SesEmailNotifier, SnsTopicNotifier, SNS_MAX_MESSAGE_BYTES, snsSubject } from '../../../shared/notify/index.ts';
import { expectDigestMail } from '../../support/mail.ts';
import { freePort, startMotoServer, type MotoServer } from '../../support/moto-server.ts';
import { sampleMessage } from '../../support/sample-digest.ts';

let moto: MotoServer;
let config: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
beforeAll(async () => {
  moto = await startMotoServer();
  config = { endpoint: moto.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
});
afterAll(() => moto?.stop());

interface MotoState {
  ses?: { RawMessage?: Array<{ id: string; source: string; destinations: string[]; raw_data: string }> };
  sns?: { Topic?: Array<{ arn: string; sent_notifications: Array<[string, string, string | null, unknown, unknown]> }> };
}

async function motoState(): Promise<MotoState> {
  const answer = await fetch(`${moto.endpoint}/moto-api/data.json`);
  expect(answer.status).toBe(200);
  return (await answer.json()) as MotoState;
}

describe('SesEmailNotifier', () => {
  it('sends the digest as a raw MIME email from a verified identity; moto records the same message', async () => {
    const client = new SESv2Client(config);
    await client.send(new CreateEmailIdentityCommand({ EmailIdentity: 'capf@example.com' }));
    const { digest, message } = sampleMessage(['ops@example.com']);
    const receipt = await new SesEmailNotifier({ from: 'capf@example.com', client }).send(message);
    expect(receipt.channel).toBe('email');
    const recorded = (await motoState()).ses?.RawMessage?.find((m) => m.id === receipt.id);
    expect(recorded, 'moto recorded the raw message under the returned MessageId').toBeDefined();
    expect(recorded!.source).toBe('capf@example.com');
    expect(recorded!.destinations).toContain('ops@example.com');
    await expectDigestMail(recorded!.raw_data, { from: 'capf@example.com', to: ['ops@example.com'], subject: digest.subject, text: digest.text, html: digest.html });
  });

  it('an unverified sender is EMAIL_REJECTED, with what to do', async () => {
    const { message } = sampleMessage(['ops@example.com']);
    const error = await new SesEmailNotifier({ from: 'stranger@example.org', client: new SESv2Client(config) }).send(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotificationError);
    expect((error as NotificationError).code).toBe('EMAIL_REJECTED');
    expect((error as NotificationError).message).toMatch(/\(MessageRejected\): verify the sender identity in SES/);
  });

  it('SES out of reach is EMAIL_UNAVAILABLE (worth a retry)', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const client = new SESv2Client({ ...config, endpoint: closed, maxAttempts: 1 });
    const { message } = sampleMessage(['ops@example.com']);
    const error = await new SesEmailNotifier({ from: 'capf@example.com', client }).send(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotificationError);
    expect((error as NotificationError).code).toBe('EMAIL_UNAVAILABLE');
  });
});

describe('SnsTopicNotifier', () => {
  it('publishes the JSON document with an SNS-safe subject; moto records it on the topic', async () => {
    const client = new SNSClient(config);
    const topic = await client.send(new CreateTopicCommand({ Name: 'capf-expiry' }));
    const { digest, message } = sampleMessage([]);
    const notifier = new SnsTopicNotifier({ topicArn: topic.TopicArn!, client });
    expect(notifier.destination).toBe(topic.TopicArn);
    const receipt = await notifier.send({ ...message, subject: `${message.subject} — ü\nsecond line` });
    const sent = (await motoState()).sns?.Topic?.find((t) => t.arn === topic.TopicArn)?.sent_notifications ?? [];
    expect(sent).toHaveLength(1);
    const [id, body, subject] = sent[0]!;
    expect(id).toBe(receipt.id);
    expect(JSON.parse(body)).toEqual(digest.json);
    expect(subject).toBe(snsSubject(`${message.subject} — ü\nsecond line`));
    expect(subject).toMatch(/^[\x20-\x7e]{1,100}$/);
  });

  it('a topic that does not exist is TOPIC_REJECTED; a document over 256 KiB is refused before publishing', async () => {
    const client = new SNSClient(config);
    const { message } = sampleMessage([]);
    const missing = new SnsTopicNotifier({ topicArn: 'arn:aws:sns:eu-west-1:123456789012:no-such-topic', client });
    const error = await missing.send(message).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotificationError);
    expect((error as NotificationError).code).toBe('TOPIC_REJECTED');
    expect((error as NotificationError).message).toMatch(/check that the topic exists/);

    const topic = await client.send(new CreateTopicCommand({ Name: 'capf-large' }));
    const notifier = new SnsTopicNotifier({ topicArn: topic.TopicArn!, client });
    await expect(notifier.send({ ...message, json: { blob: 'x'.repeat(SNS_MAX_MESSAGE_BYTES) } })).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    expect((await motoState()).sns?.Topic?.find((t) => t.arn === topic.TopicArn)?.sent_notifications).toEqual([]);
    expect(() => new SnsTopicNotifier({ topicArn: 'capf-expiry', client })).toThrow(/is not an SNS topic ARN/);
  });
});
