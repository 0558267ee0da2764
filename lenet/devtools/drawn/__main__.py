"""python -m lenet.devtools.drawn: the drawn-digit accuracy report."""

import sys

from lenet.devtools.drawn import main

sys.exit(main())
