// `capf serve`: the local embedded stack in the foreground, until SIGINT/SIGTERM (then a graceful drain).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { networkInterfaces } from 'node:os';
import type { SecureVersion } from 'node:tls';
import { MAX_CLUSTER_WORKERS } from './local/cluster-limits.ts';
import { defaultDataDir, integer, oneOf } from './options.ts';
import { parseCidrList } from '../shared/util/cidr.ts';

/** `--phone-networks 10.0.0.0/8,2001:db8::/32`: checked when the command line is read. */
function phoneNetworkList(value: string): string[] {
  try {
    parseCidrList(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
  return value.split(/[\s,]+/).filter((item) => item.length > 0);
}

function hasIpv6Loopback(): boolean {
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => i.family === 'IPv6' && i.address === '::1'));
}

interface ServeOptions {
  data?: string;
  port: number;
  host?: string[];
  minTls: SecureVersion;
  caKeyType: 'rsa' | 'ec';
  issuer: string;
  issuerConfig?: string;
  workers: number;
  phoneNetworks?: string[];
}

export function registerServeCommand(program: Command): void {
  const issuerOption = new Option('--issuer <kind>', 'which issuer signs LSCs (listed below)').default('capf-software');
  const serve = program
    .command('serve')
    .description('run the local stack: store (dynalite on disk), CAPF CA and the TLS listener')
    .option('--data <dir>', 'data folder (default $CAPF_DATA_DIR or ./.capf)')
    .option('--port <port>', 'listener port', integer(0, 65535), 3804)
    .option('--host <address...>', 'addresses to bind (default 127.0.0.1 and ::1)')
    .option('--min-tls <version>', 'lowest TLS version (TLSv1 only for 7900-series phones)', oneOf(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']), 'TLSv1.2')
    .option('--ca-key-type <type>', 'key type of a newly generated CAPF CA', oneOf(['rsa', 'ec']), 'rsa')
    .addOption(issuerOption)
    .option('--issuer-config <file>', "JSON settings of that issuer: the fields of its AWS settings (see the README's issuer table)")
    .option('--phone-networks <cidrs>', 'CIDR blocks of the phone networks (comma-separated): a larger failed-authentication budget per address', phoneNetworkList)
    .option('--workers <n>', 'listener processes sharing the port (cli/local/cluster.ts); 1 = all in this process', integer(1, MAX_CLUSTER_WORKERS), 1)
    .action(async (opts: ServeOptions) => {
      const dataDir = opts.data ?? defaultDataDir();
      const [{ createLogger }, { issuerDescriptor }] = await Promise.all([import('../shared/logging.ts'), import('../shared/issuers/registry.ts')]);
      const issuer = { kind: issuerDescriptor(opts.issuer).kind, ...(opts.issuerConfig ? { configFile: opts.issuerConfig } : {}) };
      const logger = createLogger('capf-local');
      const hosts = opts.host ?? (hasIpv6Loopback() ? ['127.0.0.1', '::1'] : ['127.0.0.1']);
      const options = { dataDir, hosts, port: opts.port, logger, minTlsVersion: opts.minTls, caKeyType: opts.caKeyType, issuer, ...(opts.phoneNetworks ? { phoneNetworks: opts.phoneNetworks } : {}) };
      const stack =
        opts.workers > 1
          ? await (await import('./local/cluster.ts')).startListenerCluster({ ...options, workers: opts.workers })
          : await (await import('./local/local-stack.ts')).startLocalStack(options);
      const where = stack.addresses.map((a) => (a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`)).join(', ');
      process.stdout.write(
        `capf-cloud local stack\n  listener:    ${where} (TLS ${opts.minTls}+)\n  CAPF CA:     ${stack.ca.certificatePath}\n  issuer:      ${issuer.kind}\n  data folder: ${dataDir}\n` +
          `Enrol a simulated phone:\n  npx capf device set SEP001122334455 --operation install --data ${dataDir}\n` +
          `  npx capf phone install SEP001122334455 --host 127.0.0.1 --port ${stack.addresses[0]?.port} --data ${dataDir} --out lsc.pem\n`,
      );
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info('draining sessions', { signal });
        stack.close(30_000).then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });

  // The issuers come from the registry, which loads zod: only when `serve` runs (or shows its help), never for
  // `capf --help` or the phone simulator.
  program.hook('preSubcommand', async (_program, command) => {
    if (command !== serve) return;
    const { ISSUERS } = await import('../shared/issuers/registry.ts');
    issuerOption.choices(ISSUERS.map((descriptor) => descriptor.kind));
    serve.addHelpText('after', `\nIssuers (--issuer):\n${ISSUERS.map((descriptor) => `  ${descriptor.kind.padEnd(14)} ${descriptor.summary}`).join('\n')}\n`);
  });
}
