#!/usr/bin/env bash
# resource-report.sh OUT LOG...: condenses the ptxas -v logs into one line per (architecture, kernel):
# registers, shared memory, stack frame, spill stores/loads. Spills or stack > 0 in a hot kernel are worth a look.
set -euo pipefail
out=$1; shift
{
  echo "# jprune.fatbin resource usage (ptxas -v), generated $(date -u +%Y-%m-%dT%H:%MZ)"
  printf '%-6s %-22s %5s %7s %6s %6s %6s\n' arch kernel regs smem_B stack spillS spillL
  for log in "$@"; do
    awk '
      /Compiling entry function/ { match($0, /'"'"'[^'"'"']*'"'"'/); k = substr($0, RSTART+1, RLENGTH-2);
                                   match($0, /sm_[0-9]+a?/); arch = substr($0, RSTART, RLENGTH); st=0; ss=0; sl=0 }
      /bytes stack frame/ { st=$1; ss=$5; sl=$9 }
      /Used [0-9]+ registers/ { match($0, /Used [0-9]+ registers/); r = substr($0, RSTART+5, RLENGTH-15);
                                sm = 0; if (match($0, /[0-9]+ bytes smem/)) sm = substr($0, RSTART, RLENGTH-11);
                                printf "%-6s %-22s %5s %7s %6s %6s %6s\n", arch, k, r, sm, st, ss, sl }
    ' "$log"
  done
} > "$out"
