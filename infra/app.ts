// Builds the CDK app: configuration from context, the one CAPF stack, and cdk-nag's AwsSolutions checks as a
// synthesis gate (an unacknowledged finding fails `cdk synth`). Shared by infra/bin/app.ts and the infra tests.
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CapfStack } from './capf-stack.ts';
import { loadConfig } from './config.ts';
import type { FunctionSpec } from './functions.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface CapfAppOptions {
  /** Context on top of cdk.json's (the CLI passes both through the environment; tests pass them here). */
  context?: Record<string, unknown>;
  outdir?: string;
  /** aws-cdk-lib's built-in CloudFormation validation: thorough but seconds slower; tests turn it off. */
  builtinValidation?: boolean;
  /** Run cdk-nag's AwsSolutions pack during synthesis. */
  nag?: boolean;
  functions?: readonly FunctionSpec[];
}

export function createCapfApp(options: CapfAppOptions = {}): { app: App; stack: CapfStack } {
  const app = new App({
    context: options.context,
    outdir: options.outdir,
    builtinCloudFormationValidation: options.builtinValidation ?? true,
  });
  const config = loadConfig((key) => app.node.tryGetContext(key));
  const stack = new CapfStack(app, `capf-${config.environment}`, {
    config,
    repoRoot: REPO_ROOT,
    functions: options.functions,
    env: {
      account: config.account ?? process.env.CDK_DEFAULT_ACCOUNT,
      region: config.region ?? process.env.CDK_DEFAULT_REGION,
    },
  });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}
