#!/usr/bin/env bash
# Sets up everything PolyICL needs on a fresh Debian machine with Swift 6: system
# packages, the Python venv used by the integration tests and references, and a release
# build. Safe to re-run: each step skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# openmpi-bin: mpirun and libmpi, which data-parallel runs load (Sources/CMPI).
apt_packages=(libopenblas-dev libzmq3-dev openmpi-bin)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

venv=.venv
# papermill, nbconvert, pygments: the tests of python/ (parameterised runs, HTML export).
python_packages=(numpy pytest jupyter_client jupyter-kernel-test nbclient nbformat ipykernel papermill nbconvert pygments)
if [ ! -x "$venv/bin/python" ]; then
  echo "setup: creating $venv" >&2
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import numpy, pytest, jupyter_client, jupyter_kernel_test, nbclient, nbformat, ipykernel, papermill, nbconvert, pygments" 2>/dev/null; then
  echo "setup: installing ${python_packages[*]} into $venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check "${python_packages[@]}"
fi
# python/ (the papermill translator and the Pygments lexer, found through entry points):
# installed as a copy, like any user's `pip install ./python`, so again when it changes.
stamp="$venv/.polyicl-jupyter-installed"
if [ ! -f "$stamp" ] || [ -n "$(find python -type f -newer "$stamp" -not -path '*/build/*' -not -path '*.egg-info/*' -not -name '*.pyc' | head -n 1)" ]; then
  echo "setup: installing python/ (polyicl-jupyter) into $venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check ./python
  touch "$stamp"
fi

source scripts/env.sh
echo "setup: building polyicl (release)" >&2
build_log=$(mktemp)
if ! swift build "${SWIFT_BUILD_FLAGS[@]}" >"$build_log" 2>&1; then
  grep -vE '^\[[0-9]+/[0-9]+\]' "$build_log" >&2
  echo "setup: the build failed (full log: $build_log)" >&2
  exit 1
fi
grep -E 'warning:|Build complete' "$build_log" >&2 || true
rm -f "$build_log"
