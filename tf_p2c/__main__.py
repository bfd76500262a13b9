import sys

from tf_p2c.cli import main

if __name__ == "__main__":
    sys.exit(main())
