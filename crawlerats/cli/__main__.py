"""`python -m crawlerats.cli`: same as the `crawlerats` console command."""

import sys

from crawlerats.cli import main

sys.exit(main())
