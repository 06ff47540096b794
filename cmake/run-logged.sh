#!/usr/bin/env bash
# run-logged.sh LOG CMD...: runs CMD with its stdout+stderr in LOG; on failure prints LOG and fails, so a kernel
# that does not compile (or, with --Werror, warns) fails the build with the compiler's message visible.
log=$1; shift
rc=0
"$@" >"$log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
  cat "$log" >&2
  rm -f "$log"  # so that the next build retries this job instead of seeing an up-to-date output
fi
exit "$rc"
