// `capf console [--endpoint URL] [--port 3880] [--data DIR]`: a web console on the admin API, for this machine only. It
// prints its URL (with the session token) and opens nothing itself; it runs until interrupted.
import type { Command } from 'commander';
import { ENDPOINT_HELP, type TargetOptions } from '../admin/open-target.ts';
import { UnreachableError } from '../exit-codes.ts';
import { integer } from '../options.ts';

const DATA_HELP = 'data folder of the local stack (default: $CAPF_DATA_DIR, else the nearest .capf here or above, else ./.capf)';

export function registerConsoleCommand(program: Command): void {
  program
    .command('console')
    .description('serve a web console on the admin API at http://127.0.0.1:3880 (prints the URL to open; opens nothing)')
    .option('--data <dir>', DATA_HELP)
    .option('--endpoint <url>', ENDPOINT_HELP)
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', integer(0, 65_535), 3880)
    .action(async (opts: TargetOptions & { port: number }) => {
      const [{ openApiTransport }, { loadConsoleAssets }, { startConsole }] = await Promise.all([
        import('../admin/open-target.ts'),
        import('./assets.ts'),
        import('./server.ts'),
      ]);
      const transport = await openApiTransport(opts);
      if (!transport) {
        throw new UnreachableError('no admin API to use: start `capf serve` on this data folder (or pass --data), or give --endpoint for a deployed stack', 'NO_ADMIN_API');
      }
      const local = !/^https:/.test(opts.endpoint ?? process.env.CAPF_ENDPOINT ?? '');
      const started = await startConsole({ transport, assets: await loadConsoleAssets(), port: opts.port, local });
      process.stdout.write(`capf console for the ${transport.description}\nopen: ${started.url}\n(the URL carries this start's session token; Ctrl-C stops the console)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await started.close();
    });
}
