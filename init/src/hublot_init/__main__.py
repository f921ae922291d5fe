"""`python -m hublot_init`."""

import sys

from .cli import main

sys.exit(main())
