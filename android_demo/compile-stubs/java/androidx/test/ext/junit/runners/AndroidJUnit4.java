// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// androidx.test.ext:junit 1.2.1.
package androidx.test.ext.junit.runners;

import org.junit.runner.Description;
import org.junit.runner.Runner;
import org.junit.runner.notification.RunNotifier;

public final class AndroidJUnit4 extends Runner {
    public AndroidJUnit4(Class<?> klass) {
        throw new UnsupportedOperationException("compile-only stub");
    }

    @Override
    public Description getDescription() {
        throw new UnsupportedOperationException("compile-only stub");
    }

    @Override
    public void run(RunNotifier notifier) {
        throw new UnsupportedOperationException("compile-only stub");
    }
}
