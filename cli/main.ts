// The `capf` command: local stack, administration, phone simulator, benchmarks. Every failure ends with one line on
// stderr and an exit code from cli/exit-codes.ts (README "Exit codes").
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CapfError } from '../shared/errors.ts';
import { registerAuditCommands } from './audit-command.ts';
import { registerBenchCommand } from './bench/command.ts';
import { registerCertsrvEmulatorCommand } from './certsrv-emulator-command.ts';
import { registerCaCommands } from './ca-command.ts';
import { registerDeviceCommands } from './device-command.ts';
import { errorLine, EXIT, exitCodeOf } from './exit-codes.ts';
import { registerMonitorCommands } from './monitor-command.ts';
import { registerParamsCommands } from './params-command.ts';
import { registerPhoneCommand } from './phone/command.ts';
import { registerServeCommand } from './serve-command.ts';
import { registerTrustCommands } from './trust-command.ts';
import { registerTemplateCommands } from './template-command.ts';
import { registerDeviceCsvCommands } from './device-csv-command.ts';
import { registerBulkCommands } from './bulk-command.ts';
import { registerCsrCommands } from './csr-command.ts';
import { registerConsoleCommand } from './console/command.ts';

function packageVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

function buildProgram(): Command {
  const program = new Command('capf')
    .description('capf-cloud: a Certificate Authority Proxy Function for Cisco phones')
    .version(packageVersion(), '-V, --version', 'print the capf-cloud version')
    .exitOverride();
  registerServeCommand(program);
  registerDeviceCommands(program);
  registerDeviceCsvCommands(program);
  registerTrustCommands(program);
  registerTemplateCommands(program);
  registerBulkCommands(program);
  registerMonitorCommands(program);
  registerCaCommands(program);
  registerCsrCommands(program);
  registerParamsCommands(program);
  registerAuditCommands(program);
  registerConsoleCommand(program);
  registerPhoneCommand(program);
  registerBenchCommand(program);
  registerCertsrvEmulatorCommand(program);
  program.addHelpText('after', '\nExit codes: 0 ok, 1 refused or invalid, 2 not found, 3 cannot reach the service.\n');
  return program;
}

/** A Node system error (EADDRINUSE, EACCES...) that escaped a command: its code and message on one line. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && (error as NodeJS.ErrnoException).syscall !== undefined;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.refused;
      return;
    }
    if (error instanceof CapfError) {
      process.stderr.write(`${errorLine(error)}\n`);
      process.exitCode = exitCodeOf(error);
      return;
    }
    if (isSystemError(error)) {
      process.stderr.write(`capf: ${error.code}: ${error.message.replace(/\s*\n\s*/g, ' ')}\n`);
      process.exitCode = EXIT.refused;
      return;
    }
    throw error;
  }
}
