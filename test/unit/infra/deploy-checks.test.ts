// What `cdk deploy` would find out late, checked offline on the synthesised app: the listener image is built from the
// bundle for the platform the tasks run on, by a Dockerfile that runs Node 22 as a non-root user; the task's memory
// holds the sessions it admits, by the memory a session was measured to take; and every variable the task sets is
// one the listener reads (and every one it needs is set), so infra and runtime cannot drift apart.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../infra/app.ts';
import { LISTENER_DOCKERFILE } from '../../../infra/bundling.ts';
import { CONNECTIONS_PER_TASK } from '../../../infra/constructs/listener.ts';
import { LISTENER_ENV_VARIABLES } from '../../../shared/config/runtime-config.ts';
import { buildCapf } from './support.ts';

/**
 * Measured by `capf bench` (README, Benchmarks): 10,000 idle sessions held in 748 MiB of RSS, listeners and store
 * process together, so 76.6 KiB a session counts every process's own baseline too (an upper bound); and one listener
 * bundle, healthy with no session, in 92.5 MiB of RSS.
 */
const MEASURED = { idleSessions: 10_000, idleRssMiB: 748, listenerBaselineMiB: 92.5 };
const MIB_PER_SESSION = MEASURED.idleRssMiB / MEASURED.idleSessions;
/** Headroom over the measured figures: garbage not yet collected, sessions mid-enrolment holding keys and chains. */
const MEMORY_MARGIN = 1.5;
/** Fargate's task sizes: memory (MiB) allowed with each CPU value (AWS ECS documentation, task size). */
const FARGATE_MEMORY_BY_CPU: Record<string, number[]> = {
  '256': [512, 1024, 2048],
  '512': [1024, 2048, 3072, 4096],
  '1024': [2048, 3072, 4096, 5120, 6144, 7168, 8192],
};
const DOCKER_PLATFORM_OF: Record<string, string> = { ARM64: 'linux/arm64', X86_64: 'linux/amd64' };

let assembly: CloudAssembly;
let template: Template;
let cleanup: () => void;

beforeAll(() => {
  const build = buildCapf({ bundle: true });
  cleanup = build.cleanup;
  assembly = build.app.synth();
  template = Template.fromJSON(assembly.getStackByName(build.stack.stackName).template);
}, 60_000);
afterAll(() => cleanup());

function imageAsset(): { directory: string; platform?: string; dockerFile?: string } {
  const manifest = JSON.parse(readFileSync(join(assembly.directory, 'capf-dev.assets.json'), 'utf8'));
  const images = Object.values(manifest.dockerImages as Record<string, { source: { directory: string; platform?: string; dockerFile?: string } }>);
  expect(images).toHaveLength(1);
  const source = (images[0] as { source: { directory: string; platform?: string; dockerFile?: string } }).source;
  return { ...source, directory: join(assembly.directory, source.directory) };
}

function listenerTask(): { cpu: string; memory: string; arch: string; container: Record<string, unknown> } {
  const [task, ...others] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
  expect(others).toEqual([]);
  const properties = task?.Properties;
  return { cpu: properties.Cpu, memory: properties.Memory, arch: properties.RuntimePlatform.CpuArchitecture, container: properties.ContainerDefinitions[0] };
}

function environment(): Map<string, unknown> {
  return new Map((listenerTask().container.Environment as { Name: string; Value: unknown }[]).map((variable) => [variable.Name, variable.Value]));
}

describe('the listener image asset', () => {
  it('is built for the platform the tasks run on', () => {
    const { arch } = listenerTask();
    expect(arch).toBe('ARM64');
    expect(imageAsset().platform).toBe(DOCKER_PLATFORM_OF[arch]);
  });

  it('is built by listener/Dockerfile from a context of the bundle and nothing else', () => {
    const asset = imageAsset();
    expect(asset.dockerFile ?? 'Dockerfile').toBe('Dockerfile');
    expect(readdirSync(asset.directory).sort()).toEqual(['Dockerfile', 'index.mjs', 'index.mjs.map']);
    expect(readFileSync(join(asset.directory, 'Dockerfile'), 'utf8')).toBe(readFileSync(join(REPO_ROOT, LISTENER_DOCKERFILE), 'utf8'));
  });

  it('runs Node 22 on a slim base, as a non-root user, with no command run at build time', () => {
    const dockerfile = readFileSync(join(imageAsset().directory, 'Dockerfile'), 'utf8');
    const instructions = dockerfile.split('\n').filter((line) => /^[A-Z]+\s/.test(line));
    const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(base).toMatch(/\/node:22(\.\d+)*-[a-z]+-slim$/);
    expect(instructions.filter((line) => line.startsWith('FROM'))).toEqual(['FROM ${NODE_IMAGE}']);
    // No RUN: nothing executes inside the arm64 image while it is built, so any machine builds it without emulation.
    expect(instructions.filter((line) => line.startsWith('RUN'))).toEqual([]);
    const users = instructions.filter((line) => line.startsWith('USER')).map((line) => line.split(/\s+/)[1]);
    expect(users).toHaveLength(1);
    expect(['root', '0']).not.toContain(users[0]);
    expect(listenerTask().container.User).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(listenerTask().container.ReadonlyRootFilesystem).toBe(true);
  });

  it('copies only files that are in the context, and starts the bundle with node', () => {
    const { directory } = imageAsset();
    const dockerfile = readFileSync(join(directory, 'Dockerfile'), 'utf8');
    const copied = [...dockerfile.matchAll(/^COPY\s+(.+)\s+\S+$/gm)].flatMap((match) => (match[1] as string).split(/\s+/));
    expect(copied.length).toBeGreaterThan(0);
    for (const file of copied) expect(existsSync(join(directory, file)), file).toBe(true);
    expect(/^CMD\s+(\[.*\])$/m.exec(dockerfile)?.[1]).toBe('["node", "--enable-source-maps", "index.mjs"]');
  });

  it('holds a bundle that imports no package: no node_modules, tsx or dev tooling in the image', () => {
    const code = readFileSync(join(imageAsset().directory, 'index.mjs'), 'utf8');
    // Import statements and literal dynamic imports only: a bare `from"` also occurs inside minified expressions.
    // (A statement starts a line or follows `;` or `}`; SDK error texts that quote `import "pkg"` do not.)
    const statements = /(?:^|[;}])\s*import\s*(?:[\w$*{}\s,]+?from\s*)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;
    const specifiers = [...code.matchAll(statements)].map((match) => match[1] ?? match[2] ?? '');
    expect(specifiers.length).toBeGreaterThan(0);
    expect(specifiers.filter((name) => !isBuiltin(name))).toEqual([]);
  });
});

describe('the listener task size', () => {
  it('is a size Fargate offers', () => {
    const { cpu, memory } = listenerTask();
    expect(FARGATE_MEMORY_BY_CPU[cpu], `CPU ${cpu}`).toContain(Number(memory));
  });

  it('holds the sessions it admits (CAPF_MAX_SESSIONS), by the measured memory per session, with a margin', () => {
    const maxSessions = Number(environment().get('CAPF_MAX_SESSIONS'));
    expect(maxSessions).toBeGreaterThan(0);
    const neededMiB = (MEASURED.listenerBaselineMiB + maxSessions * MIB_PER_SESSION) * MEMORY_MARGIN;
    expect(neededMiB).toBeLessThanOrEqual(Number(listenerTask().memory));
  });

  it('scales out well before a task refuses sessions', () => {
    expect(CONNECTIONS_PER_TASK * 2.5).toBeLessThan(Number(environment().get('CAPF_MAX_SESSIONS')));
  });
});

describe("the listener task's environment and the listener's configuration", () => {
  const shape = LISTENER_ENV_VARIABLES.shape as Record<string, { safeParse(value: unknown): { success: boolean } }>;

  it('sets only variables the listener reads', () => {
    expect([...environment().keys()].filter((name) => !(name in shape))).toEqual([]);
  });

  it('sets every variable the listener requires', () => {
    const required = Object.keys(shape).filter((name) => !shape[name]?.safeParse(undefined).success);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => !environment().has(name))).toEqual([]);
  });

  it('sets literal values the listener accepts', () => {
    const literals = [...environment()].filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] in shape);
    expect(literals.length).toBeGreaterThan(0);
    for (const [name, value] of literals) expect(shape[name]?.safeParse(value).success, `${name}=${value}`).toBe(true);
  });
});
