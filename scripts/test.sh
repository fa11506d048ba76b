#!/usr/bin/env bash
# Sets up everything and runs every test: the Swift unit tests (release build) and the
# Python integration tests against the real Jupyter clients and NumPy references.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

echo "== swift test (release)" >&2
swift test "${SWIFT_BUILD_FLAGS[@]}" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]|^◇|^↳' 

if compgen -G "tests/test_*.py" >/dev/null; then
  echo "== pytest" >&2
  .venv/bin/python -m pytest -q tests
fi
