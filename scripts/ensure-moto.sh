#!/usr/bin/env bash
# Prints the moto_server command the tests (and the bench) should run, on stdout, one line. Uses moto_server from the
# PATH when there is one; otherwise a project-local virtual environment (.venv-moto/, ignored by git) with the pinned
# moto, created on first use from the Python package index. Shared by test/global-setup.ts and .ci/run.
# Messages go to stderr, one line each. Exit codes: 0 found or installed, 2 no python3, 3 the install failed.
# CAPF_MOTO_VENV overrides where the virtual environment lives.
set -euo pipefail

MOTO_REQUIREMENT='moto[server]==5.2.1'
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${CAPF_MOTO_VENV:-$root/.venv-moto}"

if command -v moto_server >/dev/null 2>&1; then
  command -v moto_server
  exit 0
fi
if [ -x "$venv/bin/moto_server" ] && [ -f "$venv/.capf-installed" ]; then
  echo "$venv/bin/moto_server"
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "capf: the AWS stand-in tests need moto_server and there is no python3 to install it: install Python 3 (or moto 5.2 itself) and retry" >&2
  exit 2
fi

# One installer at a time (two test runs may start together on a fresh machine); the others wait for it.
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if [ -x "$venv/bin/moto_server" ] && [ -f "$venv/.capf-installed" ]; then
  echo "$venv/bin/moto_server"
  exit 0
fi

echo "capf: moto_server is not on the PATH: installing $MOTO_REQUIREMENT into $venv (once)" >&2
rm -rf "$venv"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
fail() {
  # One line of why: the network error if pip could not connect, else the last line pip or venv printed.
  local why
  why="$(grep -o 'Failed to establish a new connection: [^'"'"'"]*' "$log" | tail -n 1 | sed 's/^Failed to establish a new connection: /the index is unreachable: /' || true)"
  [ -n "$why" ] || why="$(grep -v '^[[:space:]]*$' "$log" | tail -n 1 | cut -c1-240 || true)"
  rm -rf "$venv"
  echo "capf: $1${why:+: $why}" >&2
  exit 3
}
python3 -m venv "$venv" >"$log" 2>&1 || fail "python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$MOTO_REQUIREMENT" >"$log" 2>&1 ||
  fail "could not install $MOTO_REQUIREMENT from the Python package index (install moto 5.2 yourself and put moto_server on the PATH)"
touch "$venv/.capf-installed"
echo "$venv/bin/moto_server"
