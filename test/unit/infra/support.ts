// Shared set-up of the infra tests: the App exactly as `cdk synth` builds it (cdk.json's context, the same factory),
// made fast: no built-in CloudFormation validation (it costs seconds and hundreds of MB per synth), prebuilt function
// code, and no bundling unless asked.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { createCapfApp, REPO_ROOT } from '../../../infra/app.ts';
import { FUNCTIONS, type FunctionSpec } from '../../../infra/functions.ts';

/** The account and region whose availability zones cdk.json carries, so synth needs no AWS call. */
export const TEST_ENV = { account: '111111111111', region: 'eu-west-1' };

/** The registry (sign, offline import, admin, expiry monitor) plus the functions later issues add, shaped as they will be registered. */
export const WITH_FUTURE_FUNCTIONS: readonly FunctionSpec[] = [
  ...FUNCTIONS,
];

export const PHONE_CIDRS = ['198.51.100.0/24', '2001:db8:100::/48'];

export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')).context;
}

/** A directory of minimal bundles, one `<id>/index.mjs` per function, standing in for esbuild's output. */
export function prebuiltFunctions(specs: readonly FunctionSpec[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'capf-infra-prebuilt-'));
  for (const spec of specs) {
    mkdirSync(join(dir, spec.id));
    writeFileSync(join(dir, spec.id, 'index.mjs'), 'export const handler = async () => ({});\n');
  }
  return dir;
}

export interface BuildOptions {
  context?: Record<string, unknown>;
  functions?: readonly FunctionSpec[];
  /** Register cdk-nag as `cdk synth` does (then synthesize with app.synth(), not through `template`). */
  nag?: boolean;
  /** Bundle the listener image's context with esbuild, as `cdk synth` does. */
  bundle?: boolean;
}

/** Builds the app once (call it in beforeAll); `template` synthesizes the stack when first read, `cleanup` removes
 *  the temp dirs. */
export function buildCapf(options: BuildOptions = {}) {
  const functions = options.functions ?? FUNCTIONS;
  const prebuiltDir = prebuiltFunctions(functions);
  const outdir = mkdtempSync(join(tmpdir(), 'capf-infra-out-'));
  const { app, stack } = createCapfApp({
    context: {
      ...cdkJsonContext(),
      ...TEST_ENV,
      allowedPhoneCidrs: PHONE_CIDRS,
      emailRecipients: ['pki-team@example.com'],
      prebuiltFunctionsDir: prebuiltDir,
      // No esbuild run for the listener image either: its context is then the listener folder (deploy-checks.test.ts
      // synthesises the real one).
      'aws:cdk:bundling-stacks': options.bundle ? ['**'] : [],
      ...options.context,
    },
    outdir,
    builtinValidation: false,
    nag: options.nag ?? false,
    functions,
  });
  const cleanup = () => {
    for (const dir of [prebuiltDir, outdir]) rmSync(dir, { recursive: true, force: true });
  };
  return {
    app,
    stack,
    cleanup,
    get template(): Template {
      return Template.fromStack(stack);
    },
  };
}

/** The one resource of `type` whose logical id starts with `prefix`, failing clearly otherwise. */
export function logicalIdOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${ids.length}: ${ids.join(', ')}`);
  return ids[0] as string;
}

/** The statements of the inline policy attached to the role `roleId`, flattened. */
export function policyStatementsOf(template: Template, roleId: string): Record<string, unknown>[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })),
  );
  return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
}

/** Actions of a statement as a sorted list (CloudFormation allows a string or a list). */
export function actionsOf(statement: Record<string, unknown>): string[] {
  const action = statement.Action as string | string[];
  return (Array.isArray(action) ? action : [action]).slice().sort();
}
