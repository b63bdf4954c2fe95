import sys

from resurfacer.cli import main

sys.exit(main())
