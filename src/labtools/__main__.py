"""``python -m labtools``."""

import sys

from labtools.cli import main

sys.exit(main())
