# JVM unit tests of the Android demo's platform-free core (tests/android): javac and JUnit 4
# from Debian (no Android SDK or Google Maven is needed for them). Quick when already present.
ANDROID_JUNIT_JAR := /usr/share/java/junit4.jar

TEST_DEPS += android-jvm-deps

.PHONY: android-jvm-deps
android-jvm-deps:
	@missing=""; \
	command -v javac >/dev/null 2>&1 || missing="$$missing default-jdk-headless"; \
	test -f $(ANDROID_JUNIT_JAR) || missing="$$missing junit4"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing for the Android core's JVM tests"; \
	  $(APT) install -y --no-install-recommends $$missing \
	  || { $(APT) update && $(APT) install -y --no-install-recommends $$missing; }; \
	fi

# `make android-check` (run by `make test`): compiles the app (app/src/main, app/src/androidTest)
# with the Kotlin compiler the app pins, against a real android.jar, the :core classes and the
# compile-only stubs in android_demo/compile-stubs, with the Compose compiler plugin; runs the
# screen logic's JVM unit tests (app/src/test); and checks that a planted type error fails the
# check with its file and line. Tools are cached outside the repository.
ANDROID_CACHE ?= $(HOME)/.cache/tf_p2c-android
# Must equal `kotlin` in android_demo/gradle/libs.versions.toml (compile_check.py checks it).
KOTLIN_VERSION := 2.0.21
KOTLIN_TGZ_SHA256 := c3505a37d85df9c79a19857626f2144c2ce078a8e679f7b97850202a06182bd1
KOTLIN_HOME := $(ANDROID_CACHE)/kotlinc-$(KOTLIN_VERSION)
# API 23 android.jar: Debian's libandroid-23-java (the same 6.0.1+r72-6 in bullseye and sid; either
# suite may serve it), fetched through a private apt configuration so the system's sources stay
# as they are, and checked against its hash.
ANDROID_DEB := libandroid-23-java_6.0.1+r72-6_all.deb
ANDROID_DEB_SHA256 := 8af1b6df556971dda0a6da3536ea526a838e0c363afcdd454213d8bce94793e3
ANDROID_JAR := $(ANDROID_CACHE)/android-23/android.jar
ANDROID_APT := $(ANDROID_CACHE)/apt
ANDROID_APT_OPTS := -o Dir::Etc::sourcelist=$(ANDROID_APT)/sources.list -o Dir::Etc::sourceparts=$(ANDROID_APT)/parts \
  -o Dir::State::lists=$(ANDROID_APT)/lists -o Dir::Cache=$(ANDROID_APT)/cache -o APT::Get::List-Cleanup=0 \
  $(if $(filter 0,$(shell id -u)),-o APT::Sandbox::User=root)

TEST_DEPS += android-check

.PHONY: android-check android-check-deps
android-check-deps: android-jvm-deps
	@missing=""; \
	command -v aapt >/dev/null 2>&1 || missing="$$missing aapt"; \
	test -f /usr/share/java/jarjar.jar || missing="$$missing libjarjar-java"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing for make android-check"; \
	  $(APT) install -y --no-install-recommends $$missing \
	  || { $(APT) update && $(APT) install -y --no-install-recommends $$missing; }; \
	fi

# The official kotlinc bundle (npm package kotlin-compiler): compiler, stdlib, coroutines-core
# and the Compose plugin, whose jar is built for the embeddable compiler (IntelliJ classes
# shaded under org.jetbrains.kotlin.com.intellij): jarjar maps them back for the CLI compiler.
$(KOTLIN_HOME)/.ok: | android-check-deps
	@mkdir -p $(ANDROID_CACHE)
	set -e; tmp=$$(mktemp -d $(ANDROID_CACHE)/kotlinc.XXXXXX); trap 'rm -rf "$$tmp"' EXIT; \
	cd $$tmp && npm pack --silent kotlin-compiler@$(KOTLIN_VERSION) >/dev/null; \
	echo "$(KOTLIN_TGZ_SHA256)  kotlin-compiler-$(KOTLIN_VERSION).tgz" | sha256sum -c --quiet; \
	tar -xzf kotlin-compiler-$(KOTLIN_VERSION).tgz; \
	echo 'rule org.jetbrains.kotlin.com.intellij.** com.intellij.@1' > unshade.rules; \
	java -jar /usr/share/java/jarjar.jar process unshade.rules package/lib/compose-compiler.jar \
	  package/compose-compiler-unshaded.jar; \
	touch package/.ok; test -f $@ || { rm -rf $(KOTLIN_HOME); mv -T package $(KOTLIN_HOME); }

$(ANDROID_JAR): | android-check-deps
	mkdir -p $(ANDROID_APT)/lists/partial $(ANDROID_APT)/cache/archives/partial $(ANDROID_APT)/parts $(ANDROID_APT)/deb
	printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian %s main\n' \
	  bullseye sid > $(ANDROID_APT)/sources.list
	test -f $(ANDROID_APT)/deb/$(ANDROID_DEB) || { { apt-get $(ANDROID_APT_OPTS) update -qq || true; } \
	  && cd $(ANDROID_APT)/deb && apt-get $(ANDROID_APT_OPTS) download -qq libandroid-23-java=6.0.1+r72-6; }
	echo "$(ANDROID_DEB_SHA256)  $(ANDROID_APT)/deb/$(ANDROID_DEB)" | sha256sum -c --quiet
	rm -rf $(ANDROID_APT)/x && dpkg-deb -x $(ANDROID_APT)/deb/$(ANDROID_DEB) $(ANDROID_APT)/x
	mkdir -p $(dir $@) && cp $(ANDROID_APT)/x/usr/share/java/com.android.android-23.jar $@.tmp && mv $@.tmp $@
	rm -rf $(ANDROID_APT)/x

android-check: android-check-deps $(KOTLIN_HOME)/.ok $(ANDROID_JAR)
	$(PYTHON) android_demo/scripts/compile_check.py --kotlin-home $(KOTLIN_HOME) --android-jar $(ANDROID_JAR) \
	  --cache $(ANDROID_CACHE) --self-test
