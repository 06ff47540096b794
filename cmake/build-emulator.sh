#!/usr/bin/env bash
# build-emulator.sh OUT_DIR
# Builds the CPU emulator of the CUDA driver (native/emu/) into OUT_DIR/libcuda.so.1, with jprune's real kernels
# (native/*.cu) compiled in as host C++. The Maven build runs it (java/pom.xml, phase generate-test-resources) and
# the "gpu-emulated" surefire execution puts OUT_DIR on LD_LIBRARY_PATH, so the @Tag("gpu") tests run through
# JCuda on this stand-in wherever there is no GPU. It never replaces a GPU run: see native/emu/cuda_emu.h.
# Needs a C++17 g++ (CXX=...) on x86-64 Linux; without one it prints a notice and exits 0 (those tests then skip).
# JPRUNE_SKIP_EMULATOR=1 skips it. Incremental: rebuilt only when a source or this script changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
native=$(cd "$here/../native" && pwd)
out=${1:?usage: build-emulator.sh OUT_DIR}

if [ "${JPRUNE_SKIP_EMULATOR:-0}" = 1 ]; then
  echo "jprune emulator: JPRUNE_SKIP_EMULATOR=1, not building it"; exit 0; fi
cxx=${CXX:-g++}
if ! command -v "$cxx" >/dev/null || [ "$(uname -m)" != x86_64 ] || [ "$(uname -s)" != Linux ]; then
  echo "jprune emulator: needs $cxx on x86-64 Linux; not building it (the emulated GPU tests will skip)"
  exit 0
fi
# nvcc contracts a*b+c into FMAs by default; do the same where the CPU has FMA, so that results that depend on it
# are not hidden (the kernels use the __f*_rn intrinsics wherever bit-exact results matter).
fma=""
if grep -qw fma /proc/cpuinfo 2>/dev/null; then fma="-mfma -ffp-contract=fast"; else fma="-ffp-contract=off"; fi
flags="-std=c++17 -O2 -g -fPIC -fvisibility=hidden -fno-strict-aliasing -fno-weak -U_FORTIFY_SOURCE -Wall"
flags="$flags -Wno-unknown-pragmas -Wno-unused-function -Wno-sign-compare $fma"

stamp=$(cat "$0" "$native"/*.cu "$native"/*.cuh "$native"/emu/* | cksum | cut -d' ' -f1)
stamp="$stamp $("$cxx" --version | head -1) $fma"
if [ -f "$out/libcuda.so.1" ] && [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ]; then
  echo "jprune emulator: $out/libcuda.so.1 is up to date"
  exit 0
fi
start=$(date +%s)
gen="$out/gen"
rm -rf "$gen" && mkdir -p "$gen"
{ for f in "$native"/*.cu; do echo "#include \"$f\""; done; } >"$gen/unity.inc"
inc=(-I"$gen" -I"$native/emu" -include "$native/emu/cuda_emu.h")
# Every extern "C" kernel after preprocessing (macro-generated ones included) gets a registry entry.
"$cxx" -std=c++17 -E -P -x c++ "${inc[@]}" "$native/emu/emu_kernels.cpp" \
  | grep -oE 'extern "C" +void +jp_[A-Za-z0-9_]+ *\(' | sed -E 's/.*void +(jp_[A-Za-z0-9_]+).*/JP_EMU_REGISTER(\1)/' \
  | sort -u >"$gen/kernels.inc"
# A weak stub for every driver function JCuda references; emu_driver.cpp's definitions override them.
{
  echo '#include <cstdio>'
  echo 'static int jp_emu_not_emulated(const char* f) {' \
    'fprintf(stderr, "[cuda-emu] %s is not emulated\n", f); return 801; }'
  grep -v '^#' "$native/emu/driver-symbols.txt" | while read -r s; do
    [ -n "$s" ] && echo "extern \"C\" __attribute__((weak, visibility(\"default\"))) int $s(void) {" \
      "return jp_emu_not_emulated(\"$s\"); }"
  done
} >"$gen/stubs.cpp"
"$cxx" $flags -x c++ "${inc[@]}" -c "$native/emu/emu_kernels.cpp" -o "$gen/emu_kernels.o"
"$cxx" $flags -I"$native/emu" -c "$native/emu/emu_driver.cpp" -o "$gen/emu_driver.o"
"$cxx" $flags -c "$gen/stubs.cpp" -o "$gen/stubs.o"
# All zero-initialised statics of the kernel TU are __shared__ arrays (template ones become COMMON symbols and lose
# their section attribute): gather them into one output section, which the emulator poisons before every block.
cat >"$gen/shared.ld" <<'LD'
SECTIONS {
  jp_emu_shared : {
    jp_emu_shared_begin = .;
    *emu_kernels.o(.bss .bss.* COMMON)
    jp_emu_shared_end = .;
  }
} INSERT AFTER .data;
LD
"$cxx" -shared -Wl,-soname,libcuda.so.1 -Wl,-T,"$gen/shared.ld" -Wl,--no-undefined -o "$out/libcuda.so.1.tmp" \
  "$gen/emu_kernels.o" "$gen/emu_driver.o" "$gen/stubs.o" -lpthread
mv "$out/libcuda.so.1.tmp" "$out/libcuda.so.1"
echo "$stamp" >"$out/stamp"
echo "jprune emulator: $out/libcuda.so.1 ($(wc -l <"$gen/kernels.inc") kernels, $(( $(date +%s) - start )) s)"
