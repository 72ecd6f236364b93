"""`python -m services.cli`: the same entry point as the `fsm` console script."""

import sys

from services.cli import main

sys.exit(main())
