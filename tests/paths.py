"""Where the tests find the repository's files; imports neither TensorFlow nor the package's heavy parts."""

import os

TESTS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(TESTS)
FIXTURES = os.path.join(TESTS, "fixtures")
REFERENCE = os.path.join(TESTS, "reference")
PREPROCESS_TESTS = os.path.join(TESTS, "preprocess")  # the fake preprocessor that worker processes import
# The package's own copy (tf_p2c.assets.SAMPLE_PHOTO), named here without importing the package.
SAMPLE = os.path.join(REPO, "tf_p2c", "assets", "astronaut.png")
TINY_PT = os.path.join(FIXTURES, "p2c_tiny.pt")
TINY_ONNX = os.path.join(FIXTURES, "gen_tiny.onnx")  # a 64x64 generator
