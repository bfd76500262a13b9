# Two commands on a fresh clone: `make demo` and `make test`. Each creates .venv when missing,
# installs requirements.txt and the install-time model files, then runs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SELFIE := tf_p2c/face/assets/selfie_segmentation.tflite
export TF_CPP_MIN_LOG_LEVEL ?= 3

.PHONY: setup test test-fast demo bench clean

# Each mk/*.mk adds what its part of the test suite needs beyond the venv to TEST_DEPS
# (system packages for the JVM and browser tests, optional Python extras).
TEST_DEPS :=
APT := $(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get
include $(sort $(wildcard mk/*.mk))

setup: $(STAMP) $(SELFIE)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# MediaPipe's selfie-segmentation model, taken from the mediapipe wheel on PyPI at install time
# (mediapipe itself cannot be installed beside TensorFlow 2.21); never fetched at run time.
$(SELFIE): $(STAMP)
	$(PY) -m tf_p2c.face.install_models

# Everything (what CI runs), on two xdist workers; each test module (or group of modules sharing
# a session artefact or the network, tests/conftest.py) runs whole on one of them.
test: setup $(TEST_DEPS)
	$(PY) -m pytest -n 2

# The edit-run loop: no conversions, no subprocess training, no browser, no JVM.
test-fast: setup $(WEB_STAMP)
	$(PY) -m pytest -n 2 -m "not slow"

demo: setup
	$(PY) -m tf_p2c demo

bench: setup
	$(PY) benchmarks/bench_generator.py
	$(PY) benchmarks/bench_parity_full.py
	$(PY) benchmarks/bench_preprocess.py

clean:
	rm -rf demo_out .pytest_cache
