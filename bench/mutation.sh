#!/usr/bin/env bash
# Mutation testing (PIT, the -Pmutation profile of java/core) of the engine packages, one package per PIT run, and a
# results table: bench/results/<date>-mutation.md (per package: mutants, killed, survived, no coverage, score, time;
# the weakest classes; every survivor). Figures are PIT's: detected (killed, timed out, memory error, run error)
# over all mutants. A package below its target (90% prune/io/sparse, 85% the others; override with THRESHOLD=N)
# fails its PIT run; the script goes on and exits 1 at the end.
#
#   bench/mutation.sh                 # every engine package (about an hour on a quiet 2-core machine; see the results)
#   bench/mutation.sh prune io        # some of them
#   OUT=/tmp/m.md bench/mutation.sh   # the table elsewhere
#
# Reports: java/core/target/pit-reports/<package>/index.html. PIT 1.30's incremental analysis (history) needs the
# pitest-history plugin, which is not on Maven Central: a rerun repeats the package (docs/ENGINEERING.md).
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(prune io sparse nn optim train data cpu onnx)
target() { case $1 in prune|io|sparse) echo 90 ;; *) echo 85 ;; esac; }
out=${OUT:-bench/results/$(date -u +%F)-mutation.md}
logs=java/core/target/pit-logs
mkdir -p "$logs"

echo "== compiling (tests skipped)"
mvn -B -q -pl java/core -am -DskipTests test-compile

failed=()
summary=$(mktemp)
for p in "${pkgs[@]}"; do
    t=${THRESHOLD:-$(target "$p")}
    load0=$(cut -d' ' -f1-3 /proc/loadavg)
    s0=$(date +%s)
    echo "== $p: dev.jprune.$p.* (threshold $t%), log $logs/$p.log"
    rc=0
    mvn -B -Pmutation -pl java/core test -Dpit.targetClasses="dev.jprune.$p.*" -Dpit.threshold="$t" -Dpit.name="$p" \
        >"$logs/$p.log" 2>&1 || rc=$?
    s1=$(date +%s)
    load1=$(cut -d' ' -f1-3 /proc/loadavg)
    grep -E ">> Generated|Mutation score|below threshold" "$logs/$p.log" | sed 's/^/   /' || true
    [ $rc -eq 0 ] || failed+=("$p")
    echo "$p $t $((s1 - s0)) $rc $load0 / $load1" >>"$summary"
done

python3 - "$summary" "$out" "$(java -version 2>&1 | head -1)" <<'EOF'
import sys, os, datetime, platform, xml.etree.ElementTree as ET
summary, out, java = sys.argv[1], sys.argv[2], sys.argv[3]
DETECTED = {"KILLED", "TIMED_OUT", "MEMORY_ERROR", "RUN_ERROR"}
rows, classes, survivors = [], {}, []
total_s = 0
for line in open(summary):
    p, t, secs, rc, *load = line.split()
    total_s += int(secs)
    path = f"java/core/target/pit-reports/{p}/mutations.xml"
    if not os.path.exists(path):
        rows.append(f"| {p} | — | — | — | — | no report (rc {rc}) | {t}% | {int(secs) // 60} min | {' '.join(load)} |")
        continue
    n = killed = survived = nocov = 0
    for m in ET.parse(path).getroot():
        status = m.get("status")
        cls = m.findtext("mutatedClass").split("$")[0]
        c = classes.setdefault(cls, [0, 0])
        n += 1; c[1] += 1
        if status in DETECTED:
            killed += 1; c[0] += 1
        elif status == "NO_COVERAGE":
            nocov += 1
        else:
            survived += 1
        if status not in DETECTED:
            survivors.append(f"| {cls.replace('dev.jprune.', '')}.{m.findtext('mutatedMethod')} | "
                             f"{m.findtext('lineNumber')} | "
                             f"{m.findtext('description')} | {status} |")
    score = 100.0 * killed / n if n else 0
    mark = "" if rc == "0" else " (below)"
    rows.append(f"| {p} | {n} | {killed} | {survived} | {nocov} | **{score:.1f}%**{mark} | {t}% | "
                f"{int(secs) // 60} min {int(secs) % 60} s | {' '.join(load)} |")
weak = sorted(((k / n, c, k, n) for c, (k, n) in classes.items() if n >= 5))[:10]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
           platform.machine())
with open(out, "w") as f:
    f.write(f"# Mutation testing of the engine packages — {datetime.date.today()}\n\n")
    f.write(f"Machine: {os.cpu_count()} cores ({cpu}), {java}; "
            f"PIT 1.30.2 + pitest-junit5-plugin 1.2.3, DEFAULTS mutators, 2 threads, CPU tests only (-Pmutation).\n")
    f.write("Command: `bench/mutation.sh " + " ".join(l.split()[0] for l in open(summary))
            + "` (one PIT run per package: "
            "`mvn -B -Pmutation -pl java/core test -Dpit.targetClasses='dev.jprune.<p>.*' -Dpit.threshold=<t>"
            " -Dpit.name=<p>`).\n")
    f.write(f"Total PIT time: {total_s // 60} min {total_s % 60} s. Score = detected (killed, timed out, memory/run"
            " error) / all mutants.\n\n")
    f.write("| package | mutants | killed | survived | no coverage | score | target | time"
            " | load average (start / end) |\n")
    f.write("|---|---|---|---|---|---|---|---|---|\n")
    f.write("\n".join(rows) + "\n\n## Weakest classes (5 or more mutants)\n\n| class | killed |\n|---|---|\n")
    for r, c, k, n in weak:
        f.write(f"| {c.replace('dev.jprune.', '')} | {k}/{n} ({100 * r:.0f}%) |\n")
    f.write(f"\n## Survivors and mutants without coverage ({len(survivors)})\n\n"
            "| method | line | mutation | status |\n|---|---|---|---|\n")
    f.write("\n".join(survivors) + "\n")
print(f"wrote {out}")
EOF
rm -f "$summary"
if [ ${#failed[@]} -gt 0 ]; then echo "below threshold or failed: ${failed[*]}"; exit 1; fi
