"""``python -m sim``: the same as the ``brink`` command."""

import sys

from sim.cli import main

sys.exit(main())
