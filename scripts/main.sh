#!/usr/bin/env bash
# The README's main command. On a fresh machine: sets everything up (system packages, the
# venv, a release build: scripts/setup.sh), installs JupyterLab into the venv and the
# PolyICL kernel into it, then opens JupyterLab on notebooks/ with PolyICL as the kernel.
#
#   bash scripts/main.sh              # open JupyterLab (prints its URL)
#   bash scripts/main.sh --headless   # no browser: execute notebook 01 through the kernel and
#                                     # write it with its outputs to
#                                     # notebooks/executed/01-in-context-learning.ipynb
set -euo pipefail
cd "$(dirname "$0")/.."

headless=false
for argument in "$@"; do
  case "$argument" in
    --headless) headless=true ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "main.sh: unknown option '$argument' (expected --headless or nothing)" >&2; exit 2 ;;
  esac
done

bash scripts/setup.sh
source scripts/env.sh
venv="$PWD/.venv"

# JupyterLab only for this command: the tests need nbclient alone.
if ! "$venv/bin/python" -c "import jupyterlab" 2>/dev/null; then
  echo "main: installing jupyterlab into .venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check jupyterlab
fi
VIRTUAL_ENV="$venv" "$POLYICL_BIN" install --sys-prefix >&2

if $headless; then
  mkdir -p notebooks/executed
  out=notebooks/executed/01-in-context-learning.ipynb
  echo "main: executing notebooks/01-in-context-learning.ipynb through the PolyICL kernel" >&2
  "$venv/bin/python" - "$out" <<'PY'
import sys, time, nbformat
from nbclient import NotebookClient
source = "notebooks/01-in-context-learning.ipynb"
nb = nbformat.read(source, as_version=4)
started = time.time()
# Run in notebooks/, as JupyterLab does, so the notebook's relative paths hold.
NotebookClient(nb, kernel_name="polyicl", timeout=1200, resources={"metadata": {"path": "notebooks"}}).execute()
nbformat.write(nb, sys.argv[1])
print(f"main: wrote {sys.argv[1]} ({time.time() - started:.0f} s)", file=sys.stderr)
PY
else
  lab_options=(--notebook-dir=notebooks)
  # Jupyter refuses to run as root unless told to (containers and fresh VMs often are root).
  [ "$(id -u)" -eq 0 ] && lab_options+=(--allow-root)
  exec "$venv/bin/jupyter" lab "${lab_options[@]}"
fi
