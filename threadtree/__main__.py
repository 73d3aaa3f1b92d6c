"""``python -m threadtree``: the command line (see :mod:`threadtree.cli`)."""

import sys

from .cli import main

sys.exit(main())
