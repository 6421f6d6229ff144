import 'reflect-metadata'; // before anything that loads @peculiar/x509
// The expiry monitor Lambda (F19): invoked hourly by EventBridge Scheduler; runs when the stored schedule says so
// (functions/expiry-monitor/monitor-function.ts), over the AWS adapters of aws-deps.ts.
import { lambdaHandler } from '../bootstrap.ts';
import { awsMonitor } from './aws-deps.ts';
import { monitorFunction } from './monitor-function.ts';

export const handler = lambdaHandler(
  monitorFunction(async () => ({ monitor: await awsMonitor() })),
  'capf-expiry-monitor',
);
