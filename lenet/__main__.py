"""python -m lenet: the command line."""

import sys

from lenet.cli import main

sys.exit(main())
