"""`python -m flowcheck`: the `flowcheck` command, when only the interpreter is known."""

import sys

from flowcheck.cli import main

if __name__ == "__main__":
    sys.exit(main())
