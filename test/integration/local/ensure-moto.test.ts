// scripts/ensure-moto.sh (issue 16 item 6) on a machine without moto_server: run with a PATH that holds only the tools
// it needs, so the answer does not depend on what this machine has installed. The install is exercised offline: pip
// is pointed at a folder holding a stand-in moto wheel (built here), or at a closed port.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../../scripts/ensure-moto.sh', import.meta.url));
const TOOLS = ['bash', 'dirname', 'mkdir', 'flock', 'rm', 'mktemp', 'grep', 'sed', 'tail', 'cut', 'touch'];
/** The requirement the script pins, and so the version of the stand-in wheel. */
const MOTO_VERSION = '5.2.1';

let root: string;
/** The real Python executable (not a pyenv shim, which needs pyenv on the PATH). */
let python: string;

function which(tool: string): string {
  return execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
}

/** A folder of symlinks to the script's tools, plus python3 when asked and extra programs. */
function binDir(name: string, withPython: boolean, extra: Record<string, string> = {}): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const tool of TOOLS) symlinkSync(which(tool), join(dir, tool));
  if (withPython) symlinkSync(python, join(dir, 'python3'));
  for (const [program, text] of Object.entries(extra)) {
    writeFileSync(join(dir, program), text);
    chmodSync(join(dir, program), 0o755);
  }
  return dir;
}

function ensureMoto(bin: string, venv: string, pipEnv: Record<string, string> = {}) {
  const run = spawnSync(join(bin, 'bash'), [SCRIPT], {
    env: { PATH: bin, HOME: root, CAPF_MOTO_VENV: venv, PIP_DISABLE_PIP_VERSION_CHECK: '1', ...pipEnv },
    encoding: 'utf8',
    timeout: 200_000,
  });
  return { status: run.status, stdout: run.stdout.trim(), stderr: run.stderr.trim().split('\n').filter(Boolean) };
}

/** A stand-in moto wheel whose `moto_server` console script prints a marker, in a folder pip can install from. */
function buildWheel(dir: string): void {
  mkdirSync(dir);
  const build = `
import sys, zipfile, hashlib, base64
name = 'moto-${MOTO_VERSION}'
files = {
  'moto/__init__.py': '',
  'moto/server.py': 'def main():\\n    print("stand-in moto_server")\\n',
  name + '.dist-info/METADATA': 'Metadata-Version: 2.1\\nName: moto\\nVersion: ${MOTO_VERSION}\\nProvides-Extra: server\\n',
  name + '.dist-info/WHEEL': 'Wheel-Version: 1.0\\nGenerator: capf-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n',
  name + '.dist-info/entry_points.txt': '[console_scripts]\\nmoto_server = moto.server:main\\n',
}
def digest(data):
  return 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(data.encode()).digest()).rstrip(b'=').decode()
record = ''.join(f'{path},{digest(data)},{len(data.encode())}\\n' for path, data in files.items()) + name + '.dist-info/RECORD,,\\n'
with zipfile.ZipFile(sys.argv[1] + '/' + name + '-py3-none-any.whl', 'w') as wheel:
  for path, data in files.items():
    wheel.writestr(path, data)
  wheel.writestr(name + '.dist-info/RECORD', record)
`;
  execFileSync(python, ['-c', build, dir]);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'capf-ensure-moto-'));
  python = execFileSync(which('python3'), ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('scripts/ensure-moto.sh', () => {
  it('uses moto_server from the PATH when there is one, and installs nothing', () => {
    const bin = binDir('with-moto', false, { moto_server: '#!/bin/sh\nexit 0\n' });
    const venv = join(root, 'unused-venv');
    const result = ensureMoto(bin, venv);
    expect(result).toMatchObject({ status: 0, stdout: join(bin, 'moto_server'), stderr: [] });
    expect(existsSync(venv)).toBe(false);
  });

  it('without moto_server or python3: exit 2 and one line that says what to install', () => {
    const result = ensureMoto(binDir('bare', false), join(root, 'bare-venv'));
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toHaveLength(1);
    expect(result.stderr[0]).toMatch(/^capf: .*no python3.*install Python 3/);
  });

  it('installs the pinned moto into the project-local virtual environment once, saying so in one line, then reuses it', () => {
    const wheels = join(root, 'wheels');
    buildWheel(wheels);
    const bin = binDir('python-only', true);
    const venv = join(root, 'venv');
    const offline = { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels };
    const first = ensureMoto(bin, venv, offline);
    expect(first.stderr).toEqual([`capf: moto_server is not on the PATH: installing moto[server]==${MOTO_VERSION} into ${venv} (once)`]);
    expect(first).toMatchObject({ status: 0, stdout: join(venv, 'bin', 'moto_server') });
    expect(execFileSync(first.stdout, { encoding: 'utf8' }).trim()).toBe('stand-in moto_server');
    // Installed once: the second call finds it without pip (which could not install again: no wheels now).
    rmSync(wheels, { recursive: true });
    const second = ensureMoto(bin, venv, offline);
    expect(second).toMatchObject({ status: 0, stdout: join(venv, 'bin', 'moto_server'), stderr: [] });
  }, 240_000);

  it('when the package index cannot be reached: exit 3, one line of why, and no half-made environment left', () => {
    const venv = join(root, 'unreachable-venv');
    const result = ensureMoto(binDir('python-unreachable', true), venv, { PIP_INDEX_URL: 'http://127.0.0.1:9/simple', PIP_RETRIES: '0', PIP_TIMEOUT: '2' });
    expect(result.status).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toHaveLength(2); // "installing ..." and the failure
    expect(result.stderr[1]).toMatch(new RegExp(`^capf: could not install moto\\[server\\]==${MOTO_VERSION.replaceAll('.', '\\.')} from the Python package index \\(install moto 5\\.2 yourself and put moto_server on the PATH\\)`));
    expect(existsSync(venv)).toBe(false);
  }, 240_000);
});
