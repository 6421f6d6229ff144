// `cdk synth` / `cdk deploy` entry (cdk.json "app"). A configuration or missing-handler error ends the process with
// its message and exit code 1 instead of a stack trace.
import { createCapfApp } from '../app.ts';

try {
  createCapfApp();
} catch (error) {
  console.error(`capf infra: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
