import sys

from lenet.devtools.styles.report import main

sys.exit(main())
