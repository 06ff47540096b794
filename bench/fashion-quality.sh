#!/usr/bin/env bash
# Quality runs on full Fashion-MNIST (60k train / 10k test) on the CPU: dense accuracy of lenet-300-100 and lenet-5,
# and the pruning table (global, gradual schedule, masked fine-tuning). Needs the Debian package dataset-fashion-mnist
# and a built jar (mvn -B -q package -DskipTests). ONLY="train-lenet-5 prune-lenet-5" runs a subset. Writes logs and
# results under bench/results/fashion-<date>/.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=${JAR:-java/cli/target/jprune.jar}
out=bench/results/fashion-$(date +%F)
mkdir -p "$out"
run() { local name=$1; shift; echo "== $name: java -jar $jar $*" | tee "$out/$name.log"; \
  /usr/bin/time -v java -jar "$jar" "$@" >>"$out/$name.log" 2>&1 \
  || { echo "FAILED: $name"; tail -5 "$out/$name.log"; }; \
  grep -E "Elapsed|Maximum resident" "$out/$name.log" | sed 's/^\s*//' ; }
want() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }
want train-lenet-300-100 && run train-lenet-300-100 train --model lenet-300-100 --data fashion-mnist \
    --epochs ${EPOCHS_MLP:-20} --batch 128 --lr 0.05 --device cpu
want train-lenet-5 && run train-lenet-5       train --model lenet-5 --data fashion-mnist \
    --epochs ${EPOCHS_CNN:-12} --batch 128 --lr 0.02 --device cpu
want prune-lenet-300-100 && run prune-lenet-300-100 prune --model lenet-300-100 --data fashion-mnist \
    --epochs ${EPOCHS_MLP:-20} --batch 128 --lr 0.05 --device cpu \
    --criterion taylor,magnitude --sparsity 0.9,0.95 --scope global --schedule gradual --fine-tune-epochs 10 \
    --fine-tune-lr 0.01 \
    --out-dir "$out/prune-lenet-300-100"
want prune-lenet-5 && run prune-lenet-5       prune --model lenet-5 --data fashion-mnist \
    --epochs ${EPOCHS_CNN:-12} --batch 128 --lr 0.02 --device cpu \
    --criterion taylor,magnitude --sparsity 0.9 --scope global --schedule gradual --fine-tune-epochs 6 \
    --fine-tune-lr 0.005 \
    --out-dir "$out/prune-lenet-5"
echo "logs in $out"
