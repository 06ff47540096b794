#!/usr/bin/env bash
# jprune (dense and CSR) vs ONNX Runtime Java (1 and 2 intra-op threads) on the same pruned models, batch 1/8/64/256
# (issue 22; dev.jprune.bench.OnnxVsOrtBench). Builds the bench jar (NO_BUILD=1 skips that), runs the bench once per
# jprune thread count in THREADS (default "1 2"), and appends the tables with date, machine and load averages to
# bench/results/<date>-onnx-vs-ort.md (OUT=FILE overrides). ARGS="quick" for a smoke run; ARGS="cifar" adds cifar-cnn-b.
# JAVA_OPTS="--add-modules jdk.incubator.vector" runs jprune's Vector API kernels (default: none, as a user's JVM).
# Self-contained: needs only Java 17 and Maven (ONNX Runtime comes from Maven Central with the bench module).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${THREADS:-1 2}
args=${ARGS:-}
out=${OUT:-bench/results/$(date +%F)-onnx-vs-ort.md}
[ -n "${NO_BUILD:-}" ] || mvn -B -q -pl bench -am package -DskipTests
[ -f "$out" ] || echo "# jprune vs ONNX Runtime Java on the same pruned models" > "$out"
{
    echo
    echo "## Run $(date '+%F %T %Z'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "- machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores," \
        "$(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -sr)"
    echo "- command: THREADS=\"$threads\" ARGS=\"$args\" JAVA_OPTS=\"${JAVA_OPTS:-}\" bench/onnx-vs-ort.sh;" \
        "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    for t in $threads; do
        echo
        echo "### jprune threads = $t"
        # shellcheck disable=SC2086 # JAVA_OPTS is a list of JVM options
        java ${JAVA_OPTS:-} -Djprune.threads="$t" -cp bench/target/jprune-bench.jar dev.jprune.bench.OnnxVsOrtBench \
            $args
    done
} | tee -a "$out"
echo "appended to $out"
