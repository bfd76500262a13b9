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
