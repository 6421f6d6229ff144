// Starts one moto_server on 127.0.0.1 for the whole test run (DynamoDB, S3, Secrets Manager, KMS, ACM PCA, SES, SNS,
// Scheduler stand-in). Tests reach it through `inject('motoEndpoint')` and reset the state they use themselves. Without
// moto_server on the PATH, scripts/ensure-moto.sh installs the pinned moto into .venv-moto/ first (saying so).
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startMotoServer, type MotoServer } from './support/moto-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

let moto: MotoServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  try {
    moto = await startMotoServer();
  } catch (error) {
    // One line and exit 1, not a stack and vitest's "no test files found": what is missing and what to do.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  project.provide('motoEndpoint', moto.endpoint);
}

export async function teardown(): Promise<void> {
  moto?.stop();
}
