# The git that FlowCheck ships (nix/git-plumbing.nix) runs each subcommand FlowCheck's source
# calls, and refuses to run a shell. Usage: git-plumbing.sh PLUMBING_GIT FULL_GIT
# (the full git builds the repository). tests/nix/test_git_plumbing.py checks that the
# subcommands run below are exactly those in src/flowcheck.
set -euo pipefail
git=$1
full=$2
export HOME=$PWD GIT_CONFIG_NOSYSTEM=1 LC_ALL=C
export GIT_AUTHOR_NAME=check GIT_AUTHOR_EMAIL=check@localhost
export GIT_COMMITTER_NAME=check GIT_COMMITTER_EMAIL=check@localhost

"$full" init -q -b main repo
cd repo
echo one >a.txt
"$full" add a.txt
"$full" commit -q -m one
"$full" checkout -q -b topic
echo two >>a.txt
"$full" commit -q -a -m two
"$full" remote add origin https://example.invalid/org/repo.git
echo three >>a.txt
echo untracked >b.txt

same() { # same WANT GOT
  [ "$1" = "$2" ] || { echo "want '$1', got '$2'" >&2; exit 1; }
}
same "1 .M N... 100644 100644 100644" \
  "$("$git" status --porcelain=v2 --untracked-files=no --no-renames | cut -d' ' -f1-6)"
same "2	0	a.txt" "$("$git" diff --no-ext-diff --no-textconv --numstat --no-renames main --)"
same "$("$full" rev-parse HEAD)" "$("$git" log --no-ext-diff --no-textconv --format=%H -1 HEAD --)"
same "$PWD" "$("$git" rev-parse --show-toplevel)"
same "1	0" "$("$git" rev-list --left-right --count HEAD...main --)"
same "refs/heads/main" "$("$git" for-each-ref --format='%(refname)' refs/heads/main)"
same "$("$full" rev-parse main) refs/heads/main" "$("$git" show-ref --heads main)"
"$git" merge-base --is-ancestor main HEAD
same "origin" "$("$git" config --name-only --get-regexp '^remote\..*\.url$' | cut -d. -f2)"
same "4b825dc642cb6eb9a060e54bf8d69288fbee4904" "$("$git" hash-object -t tree --stdin </dev/null)"
same "b.txt" "$("$git" ls-files --others --exclude-standard)"
same "https://example.invalid/org/repo.git" "$("$git" remote get-url origin)"

# No shell: an alias that runs a program fails instead of running it.
if "$git" -c alias.run='!touch ran' run 2>/dev/null || [ -e ran ]; then
  echo "git ran a shell alias" >&2
  exit 1
fi
