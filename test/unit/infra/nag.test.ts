// cdk-nag's AwsSolutions pack over every CA backend with every function shape: no unresolved finding, each
// acknowledgement explained, and the same pack wired into synthesis so a new finding fails `cdk synth`.
import { Stack, Validations, type App } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCapf, WITH_FUTURE_FUNCTIONS } from './support.ts';

const VARIANTS: Record<string, Record<string, unknown>> = {
  software: { issuer: 'capf-software' },
  kms: { issuer: 'capf-kms' },
  'acm-pca': { issuer: 'acm-pca' },
  'microsoft-ca': { issuer: 'microsoft-ca', onlineCaHost: 'ca.corp.example.com' },
  // As `cdk synth` runs without credentials: the CLI gives a default region and no account, so some ARN parts are
  // literal and others pseudo parameters, and findings are named that way.
  'software, region only': { issuer: 'capf-software', account: undefined, region: 'us-east-1' },
  'software, no environment': { issuer: 'capf-software', account: undefined, region: undefined },
};

const built: Record<string, { app: App; stack: Stack }> = {};
const cleanups: (() => void)[] = [];

beforeAll(() => {
  for (const [name, context] of Object.entries(VARIANTS)) {
    // The software variant is built exactly as `cdk synth` builds it, with the pack registered as a plugin.
    const { app, stack, cleanup } = buildCapf({ context, functions: WITH_FUTURE_FUNCTIONS, nag: name === 'software' });
    built[name] = { app, stack };
    cleanups.push(cleanup);
  }
});
afterAll(() => cleanups.forEach((cleanup) => cleanup()));

function acknowledgements(root: IConstruct): { path: string; id: string; reason: unknown }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({ path: construct.node.path, id, reason }))),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it.each(Object.keys(VARIANTS))('leaves no unresolved finding with the %s backend', (name) => {
    const { app, stack } = built[name] as { app: App; stack: Stack };
    const result = new AwsSolutionsChecks(app).validateScope(stack);
    const findings = result.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
  });

  it('explains every acknowledgement with a reason of its own', () => {
    const acks = acknowledgements((built.kms as { stack: Stack }).stack).filter((ack) => ack.id.includes('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(5);
    for (const ack of acks) {
      expect(typeof ack.reason === 'string' && ack.reason.length >= 40, `${ack.id} at ${ack.path}`).toBe(true);
    }
  });

  it('never acknowledges a whole rule where the rule reports findings one by one (IAM4, IAM5)', () => {
    const acks = acknowledgements((built.software as { stack: Stack }).stack);
    expect(acks.filter((ack) => /AwsSolutions-IAM[45]$/.test(ack.id))).toEqual([]);
  });
});

describe('synthesis gate', () => {
  it('lets `cdk synth` pass as the stack stands, and fails it once a non-compliant resource appears', () => {
    const { app } = built.software as { app: App };
    expect(() => app.synth()).not.toThrow();
    // In a stack of its own, so the CAPF stack the other tests read stays as built.
    new s3.Bucket(new Stack(app, 'Scratch'), 'UnloggedBucket');
    expect(() => app.synth({ force: true })).toThrow(/AwsSolutions-S1/);
  });
});
