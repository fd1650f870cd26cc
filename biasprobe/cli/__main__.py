"""``python -m biasprobe.cli``: the same as the ``biasprobe`` command."""

import sys

from biasprobe.cli._main import main

if __name__ == "__main__":
    sys.exit(main())
