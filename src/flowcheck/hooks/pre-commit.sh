#!/bin/sh
# FlowCheck managed hook. Remove with: flowcheck hooks uninstall
# Scans exactly the staged content (flowcheck scan --staged) and blocks the commit on findings.
#   FLOWCHECK_BYPASS=1          skip the scan; the bypass is recorded in the audit trail
#                               (flowcheck audit bypass), or, if flowcheck cannot run, in
#                               ${FLOWCHECK_STORAGE_PATH:-$HOME/.flowcheck}/bypass.log
#   FLOWCHECK_HOOK_FAIL_OPEN=1  let the commit through when flowcheck cannot run
#                               (default: fail closed, the commit is refused)
# POSIX sh only: this runs under dash.

chained='@CHAINED@'
# Recorded at install time, so a commit from a shell without FlowCheck on PATH still scans.
flowcheck_python=@PYTHON@
flowcheck_package=@PACKAGE@

# -P and PYTHONPATH: the recorded package, never a flowcheck/ directory in the repository.
# The commit output shows the findings: without -v the CLI logs only warnings and errors.
flowcheck() {
    PYTHONPATH="$flowcheck_package" "$flowcheck_python" -P -m flowcheck "$@"
}

fail() {
    if [ "${FLOWCHECK_HOOK_FAIL_OPEN:-}" = "1" ]; then
        echo "flowcheck: $1; FLOWCHECK_HOOK_FAIL_OPEN=1, commit allowed unscanned" >&2
        exit 0
    fi
    echo "flowcheck: $1; commit refused (set FLOWCHECK_HOOK_FAIL_OPEN=1 to allow)" >&2
    exit 1
}

if [ -n "$chained" ]; then
    chained_path="$(dirname "$0")/$chained"
    if [ -x "$chained_path" ]; then
        "$chained_path" "$@" || exit $?
    fi
fi

if [ "${FLOWCHECK_BYPASS:-}" = "1" ]; then
    top=$(git rev-parse --show-toplevel 2>/dev/null)
    if [ -x "$flowcheck_python" ] &&
        flowcheck audit bypass --hook pre-commit "$top" >/dev/null 2>&1; then
        echo "flowcheck: FLOWCHECK_BYPASS=1, scan skipped; recorded in the audit trail" >&2
        exit 0
    fi
    # Without a working flowcheck, the bypass still leaves a trace.
    log_dir="${FLOWCHECK_STORAGE_PATH:-${HOME:-/tmp}/.flowcheck}"
    when=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    if mkdir -p "$log_dir" 2>/dev/null &&
        printf '%s\tpre-commit\tbypass\t%s\t%s\n' "$when" "${USER:-unknown}" "$top" \
            >>"$log_dir/bypass.log" 2>/dev/null; then
        echo "flowcheck: FLOWCHECK_BYPASS=1, scan skipped; recorded in $log_dir/bypass.log" >&2
        exit 0
    fi
    fail "FLOWCHECK_BYPASS=1 but the bypass could not be recorded in $log_dir"
fi

if [ ! -x "$flowcheck_python" ] || [ ! -d "$flowcheck_package/flowcheck" ]; then
    fail "FlowCheck is no longer installed at $flowcheck_python ($flowcheck_package); run 'flowcheck hooks install' again"
fi

flowcheck scan --staged
status=$?
case "$status" in
    0) exit 0 ;;
    2)
        echo "flowcheck: commit blocked: the staged changes contain secrets, personal data or" \
            "prompt injection (see above). Remove them, or add 'flowcheck:allow' on the line." >&2
        exit 1
        ;;
    *) fail "flowcheck scan failed with exit status $status" ;;
esac
