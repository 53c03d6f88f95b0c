#!/bin/sh
# FlowCheck managed hook. Remove with: flowcheck hooks uninstall
# Refreshes FlowCheck's commit index for search_history (flowcheck index, incremental) in the
# background. A post-commit hook cannot stop a commit, and this one never delays it.
# POSIX sh only: this runs under dash.

chained='@CHAINED@'
# Recorded at install time (see pre-commit).
flowcheck_python=@PYTHON@
flowcheck_package=@PACKAGE@

if [ -n "$chained" ]; then
    chained_path="$(dirname "$0")/$chained"
    if [ -x "$chained_path" ]; then
        "$chained_path" "$@"
    fi
fi

if [ -x "$flowcheck_python" ]; then
    (PYTHONPATH="$flowcheck_package" "$flowcheck_python" -P -m flowcheck index >/dev/null 2>&1 &)
fi
exit 0
