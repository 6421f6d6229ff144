// The listener image's start, measured on its bundle as a process (the image's CMD, this machine's node) against
// moto_server: from spawn to the first 200 of /health. The first start finds the TLS secret empty and generates the
// CAPF certificate into it, as a new deployment's first task does; the later ones load it, as every other task does.
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CapfError } from '../../shared/errors.ts';
import { freeLoopbackPort, startMotoServer } from './moto-server.ts';
import { percentile, round } from './statistics.ts';

const STARTS = 6;
const HEALTHY_WITHIN_MS = 30_000;

export interface ListenerStartFigures {
  /** Milliseconds from spawn to healthy: the first start (certificate generated), and the restarts. */
  startMs: { first: number; median: number; min: number; max: number };
  runs: number;
  /** Resident memory of the listener process once healthy, with no session open. */
  idleRssMiB: number;
}

export async function benchListenerStart(bundleDir: string): Promise<ListenerStartFigures> {
  const { dockerfileCommand } = await import('../../infra/bundling.ts');
  const [program, ...args] = dockerfileCommand(join(bundleDir, 'Dockerfile'));
  if (program !== 'node') throw new CapfError(`the listener image runs ${program}, not node`, 'BENCH_LISTENER');
  const moto = await startMotoServer();
  try {
    const aws = { AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' };
    const secrets = new SecretsManagerClient({ endpoint: moto.endpoint, region: aws.AWS_REGION, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
    await secrets.send(new CreateSecretCommand({ Name: 'capf-bench/tls', SecretString: '{}' }));
    const times: number[] = [];
    let idleRssMiB = 0;
    for (let i = 0; i < STARTS; i++) {
      const healthPort = await freeLoopbackPort();
      const env = {
        PATH: process.env.PATH,
        ...aws,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        CAPF_TABLE: 'capf-bench',
        CAPF_SIGN_FUNCTION: 'capf-bench-sign',
        CAPF_TLS_SECRET_ARN: 'capf-bench/tls',
        CAPF_HOST: '127.0.0.1',
        CAPF_PORT: String(await freeLoopbackPort()),
        CAPF_HEALTH_PORT: String(healthPort),
        CAPF_DRAIN_MS: '1000',
        POWERTOOLS_METRICS_DISABLED: 'true',
        CAPF_LOG_LEVEL: 'warn',
      };
      const started = performance.now();
      const listener = spawn(process.execPath, args, { cwd: bundleDir, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      listener.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
      const exited = new Promise<void>((resolve) => listener.once('exit', () => resolve()));
      try {
        await untilHealthy(healthPort, () => listener.exitCode !== null, () => stderr);
        times.push(performance.now() - started);
        if (i === 0) idleRssMiB = await rssMiB(listener.pid as number);
      } finally {
        listener.kill('SIGTERM');
        await exited;
      }
    }
    const restarts = times.slice(1).sort((a, b) => a - b);
    return {
      startMs: { first: round(times[0] as number), median: round(percentile(restarts, 50)), min: round(restarts[0] as number), max: round(restarts.at(-1) as number) },
      runs: STARTS,
      idleRssMiB: round(idleRssMiB, 1),
    };
  } finally {
    moto.stop();
  }
}

async function untilHealthy(port: number, ended: () => boolean, output: () => string): Promise<void> {
  const until = performance.now() + HEALTHY_WITHIN_MS;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    if (ended() || performance.now() > until) throw new CapfError(`the listener bundle did not become healthy: ${output().trim().split('\n').at(-1) ?? ''}`, 'BENCH_LISTENER');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
  return Number.isFinite(kib) ? kib / 1024 : 0;
}
