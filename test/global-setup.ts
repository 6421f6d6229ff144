// Starts one moto_server on 127.0.0.1 for the whole test run (DynamoDB, S3, Secrets Manager, KMS, ACM PCA, SES, SNS,
// Scheduler stand-in). Tests reach it through `inject('motoEndpoint')` and reset the state they use themselves.
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
  moto = await startMotoServer();
  project.provide('motoEndpoint', moto.endpoint);
}

export async function teardown(): Promise<void> {
  moto?.stop();
}
