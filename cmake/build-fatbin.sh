#!/usr/bin/env bash
# build-fatbin.sh BUILD_DIR OUT_DIR
# Called by the Maven build (java/pom.xml, phase generate-resources). Builds native/*.cu into OUT_DIR/jprune.fatbin
# OUT_DIR/resource-usage.txt and OUT_DIR/cuda-version.txt (the toolkit's major.minor, e.g. 13.0: the probe requires a
# driver at least that new) through the CMake project beside this script, when nvcc is found:
#   NVCC=/path/to/nvcc, else nvcc on PATH, else /usr/local/cuda/bin/nvcc.
# Without nvcc (or with JPRUNE_SKIP_NATIVE=1) it prints a notice and exits 0: the jar then has no fatbin and the GPU
# backend reports itself unavailable with that reason. With nvcc, any compile error or warning fails the build.
# Incremental: CMake's dependency tracking in BUILD_DIR skips the nvcc jobs when no native source changed; a change
# to the CMake files themselves (flags, architectures) wipes BUILD_DIR, because the Makefile generator does not
# rerun a custom command whose command line changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: build-fatbin.sh BUILD_DIR OUT_DIR}
out=${2:?usage: build-fatbin.sh BUILD_DIR OUT_DIR}

if [ "${JPRUNE_SKIP_NATIVE:-0}" = 1 ]; then
  echo "jprune native: JPRUNE_SKIP_NATIVE=1, not building the CUDA kernels (GPU backend will be unavailable)"
  exit 0
fi
nvcc=${NVCC:-}
if [ -z "$nvcc" ]; then nvcc=$(command -v nvcc || true); fi
if [ -z "$nvcc" ] && [ -x /usr/local/cuda/bin/nvcc ]; then nvcc=/usr/local/cuda/bin/nvcc; fi
if [ -z "$nvcc" ]; then
  echo "jprune native: nvcc not found, not building the CUDA kernels (GPU backend will be unavailable)"
  exit 0
fi
if ! command -v cmake >/dev/null; then
  echo "jprune native: nvcc found at $nvcc but cmake is missing: install cmake >= 3.20 or set JPRUNE_SKIP_NATIVE=1" >&2
  exit 1
fi

stamp=$(cat "$here/CMakeLists.txt" "$here/run-logged.sh" "$here/resource-report.sh" | cksum | cut -d' ' -f1)
stamp="$stamp $nvcc"
if [ -f "$build/jprune-stamp" ] && [ "$(cat "$build/jprune-stamp")" != "$stamp" ]; then rm -rf "$build"; fi
mkdir -p "$build" "$out"
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$here" -B "$build" -DNVCC="$nvcc" >"$build/configure.log" 2>&1 \
    || { cat "$build/configure.log" >&2; exit 1; }
  echo "$stamp" >"$build/jprune-stamp"
fi
start=$(date +%s)
cmake --build "$build" -j "${JPRUNE_NATIVE_JOBS:-2}"
cp "$build/jprune.fatbin" "$build/resource-usage.txt" "$out/"
# The toolkit version beside the fatbin: GpuProbe refuses a driver older than it (its cuModuleLoadData would refuse
# the images), so tests skip and --device auto falls back with that reason instead of failing at the first launch.
cuda_version=$("$nvcc" --version | sed -n 's/.*release \([0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' | head -1)
[ -n "$cuda_version" ] || { echo "jprune native: cannot read the CUDA version from $nvcc --version" >&2; exit 1; }
echo "$cuda_version" >"$out/cuda-version.txt"
echo "jprune native: $out/jprune.fatbin ($(wc -c <"$out/jprune.fatbin") bytes, $(( $(date +%s) - start )) s," \
  "CUDA $cuda_version, $("$nvcc" --version | tail -1))"
