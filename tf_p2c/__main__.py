import sys

from tf_p2c.cli import main

sys.exit(main())
