// `capf serve`: the local embedded stack in the foreground, until SIGINT/SIGTERM (then a graceful drain).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { availableParallelism, networkInterfaces } from 'node:os';
import type { SecureVersion } from 'node:tls';
import { ConfigError } from '../shared/errors.ts';
import { prepareDataDir } from './data-folder.ts';
import { MAX_CLUSTER_WORKERS } from './local/cluster-limits.ts';
import { defaultDataDir, hostPort, integer, oneOf } from './options.ts';
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

/** Why the listener could not bind, as one line saying what to do (exit 1); other errors pass unchanged. */
export function bindFailure(error: unknown, hosts: string[], port: number): unknown {
  const { code, address } = error as NodeJS.ErrnoException & { address?: string };
  const where = hostPort(address ?? hosts.join(', '), port);
  if (code === 'EADDRINUSE') return new ConfigError(`port ${port} is in use on ${where} (another capf serve?): stop that process or pass --port with a free port (0 picks one)`, 'PORT_IN_USE');
  if (code === 'EADDRNOTAVAIL') {
    const local = Object.values(networkInterfaces()).flatMap((list) => list?.map((i) => i.address) ?? []);
    return new ConfigError(`address ${address ?? hosts.join(', ')} is not on this machine: pass --host with one of ${local.join(', ')}`, 'ADDRESS_NOT_LOCAL');
  }
  if (code === 'EACCES') return new ConfigError(`binding ${where} needs privileges this user lacks (ports below 1024): pass --port 1024 or above`, 'PORT_NOT_ALLOWED');
  return error;
}

interface Drainable {
  close(graceMs?: number): Promise<void>;
  /** Sessions open now (in every listener worker). */
  openSessions(): Promise<number>;
  /** Ends the drain's grace now: open sessions are aborted with `reason`, recorded as interrupted. */
  endGrace(reason: string): void;
}

/** Listener workers when `--workers` is not given: one per core the process may use. */
export function defaultWorkers(cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores, MAX_CLUSTER_WORKERS));
}

const DRAIN_GRACE_MS = 30_000;

/** Ctrl-C once: drain (saying how many sessions are open and the grace left); twice: abort them now, recorded. */
function stopOnSignals(stack: Drainable, say: (line: string) => void): void {
  let stoppingSince: number | undefined;
  const stop = (signal: string) => {
    if (stoppingSince === undefined) {
      const since = Date.now();
      stoppingSince = since;
      const countOpen = stack.openSessions().catch(() => undefined); // a worker that cannot answer: say no number
      void countOpen.then((open) => {
        say(
          open === undefined || open === 0
            ? `${signal}: stopping${open === 0 ? ' (no sessions open)' : ''}`
            : `${signal}: stopping; ${open} session${open === 1 ? '' : 's'} open, waiting up to ${DRAIN_GRACE_MS / 1000} s for them to finish (Ctrl-C again to stop now)`,
        );
        stack.close(Math.max(0, since + DRAIN_GRACE_MS - Date.now())).then(
          () => process.exit(0),
          () => process.exit(1),
        );
      });
      return;
    }
    const left = Math.max(0, Math.ceil((stoppingSince + DRAIN_GRACE_MS - Date.now()) / 1000));
    // Counted and said before the sessions end: once they have, the process exits.
    void stack
      .openSessions()
      .catch(() => undefined)
      .then((open) => {
        const sessions = open === undefined ? 'open sessions' : `${open} open session${open === 1 ? '' : 's'}`;
        say(`${signal} again: stopping now (${left} s of grace left); ${sessions} recorded as interrupted`);
        stack.endGrace(`interrupted: capf serve was stopped (${signal} twice) during the session`);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

interface ServeOptions {
  data?: string;
  port: number;
  host?: string[];
  minTls: SecureVersion;
  caKeyType: 'rsa' | 'ec';
  issuer: string;
  issuerConfig?: string;
  workers?: number;
  phoneNetworks?: string[];
  adminPort?: number;
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
    .option('--admin-port <port>', 'port of the admin API on 127.0.0.1 (default 3805; 0 = any free port, also the default with --port 0)', integer(0, 65535))
    .option('--workers <n>', `listener processes sharing the port (cli/local/cluster.ts; default one per core, here ${defaultWorkers()}); 1 = all in this process`, integer(1, MAX_CLUSTER_WORKERS))
    .action(async (opts: ServeOptions) => {
      const dataDir = opts.data ?? defaultDataDir();
      await prepareDataDir(dataDir, () => undefined); // serve prints the folder it uses below
      const [{ createLogger }, { issuerDescriptor }] = await Promise.all([import('../shared/logging.ts'), import('../shared/issuers/registry.ts')]);
      const issuer = { kind: issuerDescriptor(opts.issuer).kind, ...(opts.issuerConfig ? { configFile: opts.issuerConfig } : {}) };
      const logger = createLogger('capf-local');
      const hosts = opts.host ?? (hasIpv6Loopback() ? ['127.0.0.1', '::1'] : ['127.0.0.1']);
      const options = { dataDir, hosts, port: opts.port, logger, expiryMonitor: true, minTlsVersion: opts.minTls, caKeyType: opts.caKeyType, issuer, ...(opts.phoneNetworks ? { phoneNetworks: opts.phoneNetworks } : {}) };
      // With --issuer offline the CSR bucket (s3rver) and its import run once, in the primary; the workers use it.
      const workers = opts.workers ?? defaultWorkers();
      const stack = await (workers > 1
        ? import('./local/cluster.ts').then((m) => m.startListenerCluster({ ...options, workers }))
        : import('./local/local-stack.ts').then((m) => m.startLocalStack(options))
      ).catch((error: unknown) => {
        throw bindFailure(error, hosts, opts.port);
      });
      const { startLocalAdminApi, DEFAULT_ADMIN_PORT } = await import('./local/admin-server.ts');
      const adminPort = opts.adminPort ?? (opts.port === 0 ? 0 : DEFAULT_ADMIN_PORT);
      let admin: Awaited<ReturnType<typeof startLocalAdminApi>>;
      try {
        const csrBucket = 'csrBucket' in stack ? stack.csrBucket?.bucket : undefined;
        admin = await startLocalAdminApi({ dataDir, stores: stack.store, port: adminPort, logger, issuer: issuer.kind, ...(csrBucket ? { csrBucket } : {}) });
      } catch (error) {
        await stack.close(0);
        throw error;
      }
      // Before the banner: whoever reads it may press Ctrl-C at once, and a SIGINT with no handler kills the process.
      const stopping: Drainable = {
        close: (graceMs) => admin.close().then(() => stack.close(graceMs)),
        ...('listener' in stack
          ? { openSessions: () => Promise.resolve(stack.listener.openSessions), endGrace: (reason: string) => stack.listener.endGrace(reason) }
          : { openSessions: () => stack.openSessions(), endGrace: (reason: string) => stack.endGrace(reason) }),
      };
      stopOnSignals(stopping, (line) => {
        logger.info(line);
        process.stderr.write(`${line}\n`);
      });
      const where = stack.addresses.map((a) => hostPort(a.address, a.port)).join(', ');
      const first = stack.addresses[0];
      process.stdout.write(
        `capf-cloud local stack\n  listener:    ${where} (TLS ${opts.minTls}+, ${workers} listener process${workers === 1 ? '' : 'es'})\n  admin API:   ${admin.url} (bearer token in ${admin.tokenPath})\n  CAPF CA:     ${stack.ca.certificatePath}\n  issuer:      ${issuer.kind}\n  data folder: ${dataDir}\n` +
          `Enrol a simulated phone:\n  npx capf device set SEP001122334455 --operation install --data ${dataDir}\n` +
          `  npx capf phone install SEP001122334455 --host ${first?.address ?? '127.0.0.1'} --port ${first?.port} --data ${dataDir} --out lsc.pem\n`,
      );
      const bucket = 'csrBucket' in stack ? stack.csrBucket : undefined;
      if (bucket) {
        process.stdout.write(
          `Offline CA bucket (S3 API, access key S3RVER / secret S3RVER, path-style):\n  endpoint:    ${bucket.endpoint}\n` +
            `  CSRs:        s3://${bucket.bucketName}/csr/<device>/   (files under ${bucket.directory})\n` +
            `  drop signed certificates into s3://${bucket.bucketName}/signed/ ; the report appears beside each as <name>.result.json\n` +
            `  e.g. aws --endpoint-url ${bucket.endpoint} s3 cp SEP001122334455.pem s3://${bucket.bucketName}/signed/\n`,
        );
      }
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
