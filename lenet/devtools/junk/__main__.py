"""python -m lenet.devtools.junk: the \"not a digit\" report (held-out junk and digits)."""

import sys

from lenet.devtools.junk.report import main

sys.exit(main())
