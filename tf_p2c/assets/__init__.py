"""Files shipped inside the package: the sample portrait (see README.md here)."""

import os

SAMPLE_PHOTO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "astronaut.png")
