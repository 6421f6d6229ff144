// The sign function (functions/sign/sign-function.ts through functions/bootstrap.ts) with real Powertools Logger and
// Metrics (their JSON lines read back from stdout), and the in-process sign client the local stack uses.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { IssuerError } from '../../../shared/errors.ts';
import { AcmPcaIssuer } from '../../../shared/issuers/acm-pca/index.ts';
import { InProcessSignClient, inProcessSignHandler } from '../../../functions/sign/in-process-client.ts';
import { SignService, toSignRequestJson, type SignRequestJson } from '../../../shared/signing/index.ts';
import { motoClients, phoneCsr, phoneKey, uniqueName } from '../issuers/moto-aws.ts';
import { installDevice, signFixture, type SignFixture } from './sign-fixture.ts';

let fixture: SignFixture;
/** What Powertools wrote: INFO lines and EMF blobs go to stdout, WARN and ERROR lines to stderr. */
let output: string[];

beforeAll(async () => {
  fixture = await signFixture();
});

beforeEach(() => {
  output = [];
  const capture = (chunk: string | Uint8Array) => {
    output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Every JSON line written (log lines and EMF metric blobs). */
function jsonLines(): Array<Record<string, unknown>> {
  return output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function observedHandler(signService: SignService) {
  const logger = new Logger({ serviceName: 'capf-sign-test', logLevel: 'DEBUG' });
  const metrics = new Metrics({ namespace: 'capf-test', serviceName: 'capf-sign-test' });
  return { handler: inProcessSignHandler(signService, { logger, metrics }), metrics };
}

async function installRequest(): Promise<SignRequestJson> {
  const device = await installDevice(fixture.store);
  return toSignRequestJson({ requestId: uniqueName('req'), deviceName: device.name, operationId: device.operationId, publicKeyDer: phoneKey('rsa').spkiDer, sessionId: 4242 });
}

describe('the sign function', () => {
  it('issues, logs every line with the device name and session id, and counts the issuance and latency', async () => {
    const { handler, metrics } = observedHandler(new SignService({ stores: fixture.store, issuer: fixture.issuer }));
    const event = await installRequest();
    const answer = await handler(event);
    metrics.publishStoredMetrics();
    expect(answer.status).toBe('issued');

    const lines = jsonLines();
    const logs = lines.filter((line) => 'message' in line);
    expect(logs.length).toBeGreaterThan(0);
    for (const log of logs) expect(log).toMatchObject({ deviceName: event.deviceName, sessionId: 4242 });
    expect(logs.some((log) => log.message === 'certificate issued')).toBe(true);
    const emf = lines.find((line) => '_aws' in line);
    expect(emf).toMatchObject({ Issuances: 1, service: 'capf-sign-test' });
    expect(typeof emf?.SignLatency).toBe('number');
    // Neither key material nor the certificate body goes to the log.
    expect(output.join('')).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
  });

  it('answers a malformed event with a refusal naming the problem, not a crash', async () => {
    const { handler } = observedHandler(new SignService({ stores: fixture.store, issuer: fixture.issuer }));
    const valid = await installRequest();
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /not valid/],
      ['a string', /not valid/],
      [{ ...valid, publicKeyDer: 'not base64!' }, /publicKeyDer: publicKeyDer is not base64/],
      [{ ...valid, publicKeyDer: 'A'.repeat(10_000) }, /publicKeyDer is over 2048 bytes/],
      [{ ...valid, requestId: undefined }, /requestId/],
      [{ ...valid, operationId: 'has space' }, /operationId must be printable ASCII/],
      [{ ...valid, sessionId: -1 }, /sessionId/],
    ];
    for (const [event, reason] of cases) {
      const answer = await handler(event);
      expect(answer).toMatchObject({ status: 'refused', code: 'INVALID_REQUEST' });
      if (answer.status === 'refused') expect(answer.reason).toMatch(reason);
    }
  });

  it('counts refusals by code', async () => {
    const { handler } = observedHandler(new SignService({ stores: fixture.store, issuer: fixture.issuer }));
    const event = { ...(await installRequest()), operationId: 'stale-operation' };
    expect(await handler(event)).toMatchObject({ status: 'refused', code: 'OPERATION_CHANGED' });
    const refusal = jsonLines().find((line) => 'Refusals' in line);
    expect(refusal).toMatchObject({ Refusals: 1, code: 'OPERATION_CHANGED' });
  });

  it('fails the invocation when the issuer fails, logging the code and no secrets', async () => {
    const pca = new AcmPcaIssuer({ client: motoClients().acmPca, certificateAuthorityArn: 'arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/missing' });
    const { handler } = observedHandler(new SignService({ stores: fixture.store, issuer: pca }));
    const event = await installRequest();
    const phone = await phoneCsr(event.deviceName);
    const withCsr = { ...event, publicKeyDer: Buffer.from(phone.spkiDer).toString('base64'), csrDer: Buffer.from(phone.csrDer).toString('base64') };
    await expect(handler(withCsr)).rejects.toMatchObject({ code: 'PCA_NOT_ACTIVE' });
    const failure = jsonLines().find((line) => line.message === 'sign request failed');
    expect(failure).toMatchObject({ code: 'PCA_NOT_ACTIVE', deviceName: event.deviceName, level: 'ERROR' });
  });

  it('builds a lazy service once and retries its construction after a failure', async () => {
    let builds = 0;
    const handler = inProcessSignHandler(async () => {
      builds++;
      if (builds === 1) throw new IssuerError('CA secret unavailable', 'CA_SECRET_UNAVAILABLE');
      return new SignService({ stores: fixture.store, issuer: fixture.issuer });
    });
    await expect(handler(await installRequest())).rejects.toMatchObject({ code: 'CA_SECRET_UNAVAILABLE' });
    expect((await handler(await installRequest())).status).toBe('issued');
    expect((await handler(await installRequest())).status).toBe('issued');
    expect(builds).toBe(2);
  });
});

describe('InProcessSignClient', () => {
  it('signs through a SignService or a handler, and reports a failing signer as IssuerError', async () => {
    const service = new SignService({ stores: fixture.store, issuer: fixture.issuer });
    expect((await new InProcessSignClient(service).sign(await installRequest())).status).toBe('issued');
    expect((await new InProcessSignClient(inProcessSignHandler(service)).sign(await installRequest())).status).toBe('issued');
    expect(await new InProcessSignClient(service).sign({ requestId: 'r' } as SignRequestJson)).toMatchObject({ status: 'refused', code: 'INVALID_REQUEST' });

    const broken = new InProcessSignClient(async () => {
      throw new TypeError('boom');
    });
    const error = await broken.sign(await installRequest()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IssuerError);
    expect(error).toMatchObject({ code: 'SIGN_FUNCTION_ERROR', message: 'sign handler failed: TypeError: boom' });
  });
});
