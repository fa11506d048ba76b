# Sourced by the scripts: environment shared by builds, tests and benchmarks.
# Debian's OpenBLAS 0.3.21 does not recognise Zen 5 and falls back to AVX2 kernels; on a
# CPU with AVX-512 its SkylakeX kernels are almost twice as fast. It reads the variable
# when it loads, so it must be in the environment of every process that links it.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
  export OPENBLAS_CORETYPE=SkylakeX
fi
export POLYICL_PYTHON="$PWD/.venv/bin/python"
export POLYICL_BIN="$PWD/.build/release/polyicl"
# One release build serves the main job, the benchmarks and the tests: the Swift tests use
# `@testable import`, which needs -enable-testing; building everything with it avoids a
# second full build (its cost on the optimised code is measured in the README).
SWIFT_BUILD_FLAGS=(-c release -Xswiftc -enable-testing)
