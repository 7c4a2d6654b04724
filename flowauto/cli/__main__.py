import sys

from flowauto.cli import main

sys.exit(main())
