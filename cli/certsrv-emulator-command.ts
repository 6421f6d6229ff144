// `capf certsrv-emulator [options]`: the faithful AD CS web-enrollment emulator (cli/certsrv-emulator) in the
// foreground, for demos of the online CA issuer and as a peer for `capf serve --issuer microsoft-ca`. Its own option
// parser reads the flags; Ctrl-C stops it.
import type { Command } from 'commander';

export function registerCertsrvEmulatorCommand(program: Command): void {
  program
    .command('certsrv-emulator')
    .description('run a local AD CS /certsrv emulator on 127.0.0.1 (see --help of the emulator: capf certsrv-emulator --help)')
    .helpOption(false)
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(async (_options: unknown, command: Command) => {
      // Loaded on demand: the emulator is a demo and test peer, not part of the service.
      const { runCertsrvEmulatorCli } = await import('./certsrv-emulator/cli.ts');
      const emulator = await runCertsrvEmulatorCli(command.args);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await emulator.close();
    });
}
