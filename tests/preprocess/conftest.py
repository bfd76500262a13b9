import os

from tf_p2c.preprocess.photo import FACTORY_ALLOWLIST_ENV

FAKE_FACTORY = "p2c_fake_face:FakePreprocessor"

# Set for the whole session, before any module-scoped fixture starts worker subprocesses:
# they inherit the environment and must accept the fake preprocessor too.
os.environ[FACTORY_ALLOWLIST_ENV] = FAKE_FACTORY
