// The `capf` command: local stack, administration, phone simulator, benchmarks.
import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { CapfError } from '../shared/errors.ts';
import { registerBenchCommand } from './bench/command.ts';
import { registerCertsrvEmulatorCommand } from './certsrv-emulator-command.ts';
import { registerCaCommands } from './ca-command.ts';
import { registerDeviceCommands } from './device-command.ts';
import { registerPhoneCommand } from './phone/command.ts';
import { registerServeCommand } from './serve-command.ts';
import { registerTrustCommands } from './trust-command.ts';

function buildProgram(): Command {
  const program = new Command('capf').description('capf-cloud: a Certificate Authority Proxy Function for Cisco phones').exitOverride();
  registerServeCommand(program);
  registerDeviceCommands(program);
  registerTrustCommands(program);
  registerCaCommands(program);
  registerPhoneCommand(program);
  registerBenchCommand(program);
  registerCertsrvEmulatorCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof CapfError) {
      process.stderr.write(`capf: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}
