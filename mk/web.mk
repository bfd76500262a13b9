# `python -m tf_p2c serve` and tests/serve: the web extra in .venv, and Debian's Chromium with its
# matching chromedriver for the end-to-end tests (installed from the distribution, never downloaded
# by a test tool).
WEB_STAMP := $(VENV)/.installed-web
WEB_BROWSER := /usr/bin/chromium
WEB_DRIVER := /usr/bin/chromedriver

TEST_DEPS += $(WEB_STAMP) $(WEB_BROWSER) $(WEB_DRIVER)

.PHONY: web
web: $(WEB_STAMP) $(WEB_BROWSER) $(WEB_DRIVER)

$(WEB_STAMP): requirements-web.txt $(STAMP)
	$(PY) -m pip install --quiet -r requirements-web.txt
	touch $@

$(WEB_BROWSER) $(WEB_DRIVER) &:
	$(APT) update
	$(APT) install -y --no-install-recommends chromium chromium-driver
