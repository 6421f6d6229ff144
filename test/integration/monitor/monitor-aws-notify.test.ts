// The monitor run with the AWS notifiers on moto_server (SES v2 raw email, SNS publish) and the store on dynalite:
// each recipient and the topic get one digest, and a second run sends nothing more (read back from moto's records).
import { randomBytes } from 'node:crypto';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, inject, it } from 'vitest';
import { SesEmailNotifier, SnsTopicNotifier } from '../../../shared/notify/index.ts';
import { makeBed, useDynalite } from './monitor-fixture.ts';

const endpoint = inject('motoEndpoint');
const config = { endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };

const dynamo = useDynalite();

interface MotoState {
  ses?: { RawMessage?: Array<{ destinations: string[]; raw_data: string }> };
  sns?: { Topic?: Array<{ arn: string; sent_notifications: Array<[string, string, string | null]> }> };
}

async function motoState(): Promise<MotoState> {
  return (await (await fetch(`${endpoint}/moto-api/data.json`)).json()) as MotoState;
}

describe('expiry monitor with SES and SNS (moto)', () => {
  it('one email per recipient and one topic message, nothing again on the next run', async () => {
    const bed = await makeBed(dynamo.client(), new Date('2027-05-01T06:00:00.000Z'));
    await bed.lsc('SEP00000000C007', 7);
    await bed.lsc('SEP00000000C0FF', -1);
    const tag = randomBytes(4).toString('hex');
    const recipients = [`ops-${tag}@example.com`, `pki-${tag}@example.com`];
    await bed.stores.parameters.update({ expiryRecipients: recipients });
    const ses = new SESv2Client(config);
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'capf@example.com' }));
    const sns = new SNSClient(config);
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: `capf-expiry-${tag}` }))).TopicArn!;
    const monitor = bed.monitor([new SesEmailNotifier({ from: 'capf@example.com', client: ses }), new SnsTopicNotifier({ topicArn, client: sns })]);

    const first = await monitor.run();
    expect(first.deliveries.map((d) => [d.recipient, d.notices, d.error])).toEqual([
      [recipients[0], 2, undefined],
      [recipients[1], 2, undefined],
      [`topic:${topicArn}`, 2, undefined],
    ]);
    await monitor.run();
    const state = await motoState();
    for (const address of recipients) {
      const mails = (state.ses?.RawMessage ?? []).filter((m) => m.destinations.includes(address));
      expect(mails).toHaveLength(1);
      expect(mails[0]!.raw_data).toContain('SEP00000000C007');
    }
    const published = state.sns?.Topic?.find((t) => t.arn === topicArn)?.sent_notifications ?? [];
    expect(published).toHaveLength(1);
    const document = JSON.parse(published[0]![1]) as { digest: { notices: Array<{ level: string; device: string }>; revoked: Array<{ device: string }> } };
    expect(document.digest.notices.map((n) => [n.level, n.device])).toEqual([
      ['expired', 'SEP00000000C0FF'],
      ['7d', 'SEP00000000C007'],
    ]);
    expect(document.digest.revoked.map((r) => r.device)).toEqual(['SEP00000000C0FF']);
  });
});
