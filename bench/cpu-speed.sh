#!/usr/bin/env bash
# CPU speed of jprune against PyTorch on this machine (issue 17): builds the bench jar, then runs jprune and the torch
# peer back to back, interleaved round by round, and prints the ratio tables (markdown) on stdout. Writes no file
# unless --out FILE is given. Needs python3-torch and libopenblas0-pthread (apt-get install -y python3-torch
# libopenblas0-pthread); the peer runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset.
#
# Usage: bench/cpu-speed.sh [--quick] [--rounds R] [--images N] [--threads T] [--skip-build]
#        [--only infer|epoch|gemm|serve] [--out FILE]
#   --quick    two batch sizes, one round, short epochs: a smoke run of the whole pipeline (~5 min)
#   --rounds   interleaved jprune/torch rounds for inference (default 3); each figure is the best round's median
#   --images   images timed per training epoch, scaled to the full epoch (default 10000; 0 = the full data set)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=3 IMAGES=10000 THREADS=$(nproc) BUILD=1 ONLY=all OUT= QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ROUNDS=1 IMAGES=2000 ;;
    --rounds) ROUNDS=$2; shift ;;
    --images) IMAGES=$2; shift ;;
    --threads) THREADS=$2; shift ;;
    --skip-build) BUILD=0 ;;
    --only) ONLY=$2; shift ;;
    --out) OUT=$2; shift ;;
    *) echo "cpu-speed.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if ! "$PY" -c "import torch" 2>/dev/null; then
  echo "cpu-speed.sh: python3-torch is missing (apt-get install -y python3-torch libopenblas0-pthread)" >&2
  exit 2
fi
if [ "$BUILD" = 1 ]; then mvn -B -q -pl bench -am package -DskipTests >&2; fi
JAR=bench/target/jprune-bench.jar
[ -f "$JAR" ] || { echo "cpu-speed.sh: $JAR missing (run without --skip-build)" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
JV="java --add-modules jdk.incubator.vector -Djprune.threads=$THREADS -cp $JAR"
JS="java -Djprune.threads=$THREADS -cp $JAR"
peer() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" "$@"; }
BATCHES=1,8,64,256
[ "$QUICK" = 1 ] && BATCHES=1,64
MODELS=mlp-128,lenet-300-100,lenet-5,cifar-cnn-a,cifar-cnn-b
[ "$QUICK" = 1 ] && MODELS=lenet-300-100,lenet-5

{
  echo "# CPU speed: jprune vs PyTorch"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  MODEL=$(lscpu | sed -n 's/^Model name: *//p')
  CORES=$(lscpu | sed -n 's/^Core(s) per socket: *//p')
  MEM=$(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)
  echo "- machine: $MODEL, $(nproc) CPUs ($CORES cores/socket), $MEM"
  MHZ=$(awk -F: '/cpu MHz/{print $2; exit}' /proc/cpuinfo | tr -d ' ')
  FMA=$(grep -qw avx512f /proc/cpuinfo && echo "AVX-512 (512-bit ops on two 256-bit FMA pipes on Zen 4)" || echo "AVX2")
  PEAK=$(awk -v c="$(nproc)" -v m="$MHZ" 'BEGIN{printf "%.0f", c*2*8*2*m/1000}')
  echo "- peak (fp32): $(nproc) cores x 2 FMA pipes x 8 lanes (256-bit) x 2 flop x ${MHZ} MHz = $PEAK GFLOP/s"
  echo "  at the reported clock; $FMA"
  echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg); threads: jprune $THREADS, torch $THREADS"
  TORCH=$("$PY" -c 'import torch; print(torch.__version__)' 2>/dev/null)
  echo "- java: $(java -version 2>&1 | head -1); torch: $TORCH"
  echo "- jprune (vector) = --add-modules jdk.incubator.vector; jprune (scalar) = default JVM flags."
  echo "- ratio = torch time / jprune time (> 1: jprune faster)"
  echo
} > "$TMP/report.md"

if [ "$ONLY" = all ] || [ "$ONLY" = infer ]; then
  for r in $(seq 1 "$ROUNDS"); do
    echo "round $r/$ROUNDS: inference (load $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$TMP/loads.txt" >&2
    $JV dev.jprune.bench.CpuInferBench infer --models $MODELS --batches $BATCHES 2>/dev/null \
      | sed 's/^RESULT /RESULT jv /' >> "$TMP/infer.txt"
    $JS dev.jprune.bench.CpuInferBench infer --models $MODELS --batches $BATCHES 2>/dev/null \
      | sed 's/^RESULT /RESULT js /' >> "$TMP/infer.txt"
    peer bench/peers/torch_cpu_infer_peer.py --threads "$THREADS" --models $MODELS --batches $BATCHES 2>/dev/null \
      | sed 's/^RESULT /RESULT torch /' >> "$TMP/infer.txt"
  done
fi
if [ "$ONLY" = all ] || [ "$ONLY" = epoch ]; then
  EPOCHS=3
  for m in lenet-300-100 lenet-5 cifar-cnn-b; do
    echo "epochs: $m (load $(cut -d' ' -f1 /proc/loadavg))" | tee -a "$TMP/loads.txt" >&2
    DATA=random
    [ "$m" != cifar-cnn-b ] && [ -d /usr/share/datasets/fashion-mnist ] && DATA=fashion-mnist
    $JV dev.jprune.bench.EpochBench $m $DATA 128 $EPOCHS "$IMAGES" 2>/dev/null \
      | sed -n 's/^RESULT /RESULT jv /p' >> "$TMP/epoch.txt"
    peer bench/peers/torch_cpu_epoch_peer.py --threads "$THREADS" --models $m --epochs $EPOCHS --images "$IMAGES" \
      2>/dev/null | sed -n 's/^RESULT /RESULT torch /p' >> "$TMP/epoch.txt"
    $JS dev.jprune.bench.EpochBench $m $DATA 128 $EPOCHS "$IMAGES" 2>/dev/null \
      | sed -n 's/^RESULT /RESULT js /p' >> "$TMP/epoch.txt"
  done
fi
if [ "$ONLY" = all ] || [ "$ONLY" = gemm ]; then
  echo "GEMM shapes" >&2
  $JV dev.jprune.bench.GemmQuick 2>/dev/null | sed 's/^/jv /' >> "$TMP/gemm.txt"
  $JS dev.jprune.bench.GemmQuick 2>/dev/null | sed 's/^/js /' >> "$TMP/gemm.txt"
fi
if [ "$ONLY" = all ] || [ "$ONLY" = serve ]; then
  echo "serving throughput" >&2
  $JV dev.jprune.bench.CpuInferBench serve 2>/dev/null | grep '^SERVE' | sed 's/^/jv /' >> "$TMP/serve.txt"
  $JS dev.jprune.bench.CpuInferBench serve 2>/dev/null | grep '^SERVE' | sed 's/^/js /' >> "$TMP/serve.txt"
fi
"$PY" bench/cpu_speed_table.py "$TMP" "$(nproc)" >> "$TMP/report.md"
if [ -f "$TMP/loads.txt" ]; then
  echo >> "$TMP/report.md"
  echo "- 1-minute load average when each part started: $(paste -sd';' "$TMP/loads.txt")" >> "$TMP/report.md"
fi
echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$TMP/report.md"
cat "$TMP/report.md"
if [ -n "$OUT" ]; then cp "$TMP/report.md" "$OUT"; echo "wrote $OUT" >&2; fi
