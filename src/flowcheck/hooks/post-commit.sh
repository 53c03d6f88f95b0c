#!/bin/sh
# FlowCheck managed hook. Remove with: flowcheck hooks uninstall
# Refreshes FlowCheck's commit index for search_history (flowcheck index, incremental) in the
# background. A post-commit hook cannot stop a commit, and this one never delays it.
# POSIX sh only: this runs under dash.

chained='@CHAINED@'

if [ -n "$chained" ]; then
    chained_path="$(dirname "$0")/$chained"
    if [ -x "$chained_path" ]; then
        "$chained_path" "$@"
    fi
fi

if command -v flowcheck >/dev/null 2>&1; then
    (flowcheck index >/dev/null 2>&1 &)
fi
exit 0
