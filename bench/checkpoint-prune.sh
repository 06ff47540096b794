#!/usr/bin/env bash
# Out-of-core pruning of a checkpoint without a model (issue 16): generated checkpoints + gradients
# (dev.jprune.bench.CheckpointGen), global Taylor at 90% by `jprune prune --weights W --grads G` under -Xmx$HEAP:
#   1. BIG (default 1e9) F32 parameters in 200 tensors (8 GB with its gradients);
#   2. PEER (default 1e8) F32 in 200 tensors, jprune and torch.nn.utils.prune.global_unstructured on the same files
#      (bench/peers/torch_checkpoint_prune_peer.py, which also counts the mask entries that differ from jprune's);
#   3. SHARDED (default 2e8) BF16 in 200 tensors over 4 Hugging Face shards.
# Each run: wall time, peak RSS (/usr/bin/time -v) and peak anonymous RSS (sampled /proc/PID/status: the heap and
# native memory, without the mapped file pages the kernel may drop at any time), bytes read from storage and written
# (/proc/PID/io), and the input + output bytes per second against the disk's sequential read speed measured in the
# same run (dd of the checkpoint after dropping the page cache). The page cache is dropped before every run when
# this runs as root; otherwise the table says "warm". `uptime` is recorded with every figure.
# Appends to bench/results/<date>-checkpoint-prune.md (OUT=FILE overrides). DATA=folder for the generated files
# (default /work/ooc-bench-data; removed at the end, KEEP=1 keeps it). NO_BUILD=1 skips the Maven build.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${DATA:-/work/ooc-bench-data}
out=${OUT:-bench/results/$(date +%F)-checkpoint-prune.md}
big=${BIG:-1e9}; peer=${PEER:-1e8}; sharded=${SHARDED:-2e8}; heap=${HEAP:-1g}
[ -n "${NO_BUILD:-}" ] || mvn -B -q -pl java/cli,bench -am package -DskipTests
jar=java/cli/target/jprune.jar
gen="java -cp bench/target/jprune-bench.jar dev.jprune.bench.CheckpointGen"
python=/usr/bin/python3
mkdir -p "$data"
log=$(mktemp)

drop() { sync; if echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then echo cold; else echo warm; fi; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# Sequential read speed of the disk in MB/s: the files given, read once after dropping the page cache.
diskread() {
    drop > /dev/null
    local t0 t1 bytes
    bytes=$(cat "$@" | wc -c)
    drop > /dev/null
    t0=$(date +%s.%N); cat "$@" > /dev/null; t1=$(date +%s.%N)
    echo "$bytes $t0 $t1" | awk '{printf "%.0f", $1 / ($3 - $2) / 1e6}'
}

# Sequential write speed in MB/s: 1 GiB through the page cache and fsync'ed (what a safetensors writer does).
diskwrite() {
    local t0 t1
    t0=$(date +%s.%N); dd if=/dev/zero of="$1" bs=16M count=64 conv=fsync status=none; t1=$(date +%s.%N)
    rm -f "$1"
    echo "$t0 $t1" | awk '{printf "%.0f", 1073741824 / ($2 - $1) / 1e6}'
}

# measure LABEL INPUT_BYTES DISK_MBPS OUTPUT_PATHS -- CMD...: one table row; the command's stdout goes to the log.
measure() {
    local label=$1 inbytes=$2 disk=$3 outs=$4; shift 5
    local cache tf sf tpid cpid='' up
    cache=$(drop); tf=$(mktemp); sf=$(mktemp); up=$(load)
    /usr/bin/time -v "$@" >> "$log" 2> "$tf" &
    tpid=$!
    while [ -z "$cpid" ] && kill -0 "$tpid" 2>/dev/null; do
        cpid=$(pgrep -P "$tpid" | head -1 || true)
        sleep 0.05
    done
    while [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null; do
        { grep -E '^RssAnon' "/proc/$cpid/status"; grep -E '^(read|write)_bytes' "/proc/$cpid/io"; } >> "$sf" \
            2>/dev/null || true
        sleep 0.2
    done
    wait "$tpid" || { echo "FAILED: $label"; cat "$tf"; tail -5 "$log"; exit 1; }
    local wall cpu rss anon rb wb outbytes io rate
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$tf")
    cpu=$(awk -F': ' '/User time/{u=$2} /System time/{s=$2} /Percent of CPU/{p=$2}
        END{printf "%.1f + %.1f (%s)", u, s, p}' "$tf")
    rss=$(awk -F': ' '/Maximum resident set size/{printf "%.2f", $2/1048576}' "$tf")
    anon=$(awk '/^RssAnon/{if($2>m)m=$2} END{printf "%.0f", m/1024}' "$sf")
    rb=$(awk '/^read_bytes/{v=$2} END{printf "%.2f", v/1e9}' "$sf")
    wb=$(awk '/^write_bytes/{v=$2} END{printf "%.2f", v/1e9}' "$sf")
    outbytes=$(bytes $outs)
    io=$(awk -v i="$inbytes" -v o="$outbytes" 'BEGIN{printf "%.2f + %.2f", i/1e9, o/1e9}')
    rate=$(awk -v i="$inbytes" -v o="$outbytes" -v w="$wall" -v d="$disk" \
        'BEGIN{r=(i+o)/w/1e6; printf "%.0f MB/s = %.0f%%", r, 100*r/d}')
    echo "| $label | $wall | $cpu | $rss | $anon | $rb | $wb | $io | $rate | $cache | $up |"
    rm -f "$tf" "$sf"
}

header() {
    echo
    echo "| run | wall s | CPU user + sys s (share) | peak RSS GiB | peak anon RSS MiB | read from disk GB |" \
        "written GB | in + out GB | (in + out) / wall vs disk read | page cache | load before |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
}

bytes() { du -cb "$@" | tail -1 | cut -f1; }
jprune() { echo java -Xmx"$heap" -jar "$jar" prune --quiet --criterion taylor --sparsity 0.9 "$@"; }
kept() { grep -E '^kept' "$log" | tail -"$1" | sed -e 's/; wrote.*//' -e 's/^/- /'; }

[ -f "$out" ] || echo "# Out-of-core checkpoint pruning without a model" > "$out"
{
    echo
    echo "## Run $(date '+%F %T %Z'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "- machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores," \
        "$(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -sr); $(java -version 2>&1 | head -1)"
    echo "- disk: $(df -h "$data" | awk 'NR==2{print $1 ", " $4 " free of " $2}');" \
        "/tmp: $(df -h /tmp | awk 'NR==2{print $4 " free"}')"
    echo "- command: BIG=$big PEER=$peer SHARDED=$sharded HEAP=$heap bench/checkpoint-prune.sh;" \
        "load average at start: $(load)"

    echo
    echo "### 1. $big F32 parameters in 200 tensors + gradients, global Taylor 90%, -Xmx$heap"
    d=$data/big; $gen "$d" "$big" 200 F32 1 | sed 's/^/- /'
    disk=$(diskread "$d/w.safetensors"); in=$(bytes "$d/w.safetensors" "$d/g.safetensors")
    echo "- disk sequential read (cat of w.safetensors after dropping the cache): $disk MB/s;" \
        "write (1 GiB, fsync): $(diskwrite "$d/dd.tmp") MB/s; load $(load)"
    header
    measure "jprune, masked layout" "$in" "$disk" "$d/out.safetensors" -- \
        $(jprune --weights "$d/w.safetensors" --grads "$d/g.safetensors" --out "$d/out.safetensors")
    kept 1
    rm -rf "$d"

    echo
    echo "### 2. $peer F32 parameters in 200 tensors: jprune vs torch.nn.utils.prune.global_unstructured, same files"
    d=$data/peer; $gen "$d" "$peer" 200 F32 1 | sed 's/^/- /'
    disk=$(diskread "$d/w.safetensors" "$d/g.safetensors"); in=$(bytes "$d/w.safetensors" "$d/g.safetensors")
    echo "- disk sequential read (cat of w + g after dropping the cache): $disk MB/s; load $(load)"
    header
    measure "jprune, masked layout" "$in" "$disk" "$d/out.safetensors" -- \
        $(jprune --weights "$d/w.safetensors" --grads "$d/g.safetensors" --out "$d/out.safetensors")
    measure "torch global_unstructured, masked layout" "$in" "$disk" "$d/torch.safetensors" -- \
        env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" bench/peers/torch_checkpoint_prune_peer.py \
        "$d/w.safetensors" "$d/g.safetensors" "$d/torch.safetensors" 0.9 --compare "$d/out.safetensors"
    echo
    kept 1
    grep -E '^torch|^masks differing' "$log" | tail -2 | sed 's/^/- /'
    rm -rf "$d"

    echo
    echo "### 3. $sharded BF16 parameters in 200 tensors over 4 shards (index + shards in, index + shards out)"
    d=$data/sharded; $gen "$d" "$sharded" 200 BF16 4 | sed 's/^/- /'
    disk=$(diskread "$d"/w/*.safetensors "$d"/g/*.safetensors); in=$(bytes "$d"/w/*.safetensors "$d"/g/*.safetensors)
    echo "- disk sequential read (cat of every shard after dropping the cache): $disk MB/s; load $(load)"
    header
    w=$d/w/model.safetensors.index.json; g=$d/g/model.safetensors.index.json
    measure "jprune, masked layout (BF16 values, F32 masks)" "$in" "$disk" "$d/out" -- \
        $(jprune --weights "$w" --grads "$g" --out "$d/out/model.safetensors.index.json")
    measure "jprune, torch-prune layout (BF16 values and masks)" "$in" "$disk" "$d/out2" -- \
        $(jprune --weights "$w" --grads "$g" --layout torch-prune --out "$d/out2/model.safetensors.index.json")
    kept 2
    [ -n "${KEEP:-}" ] || rm -rf "$d"
    echo
    echo "- load average at the end: $(load)"
} | tee -a "$out"
[ -n "${KEEP:-}" ] || rmdir "$data" 2>/dev/null || true
rm -f "$log"
echo "appended to $out"
