// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// androidx.test:monitor 1.7.2 (a dependency of androidx.test:runner 1.6.2).
package androidx.test.platform.app;

import android.app.Instrumentation;

public final class InstrumentationRegistry {
    private InstrumentationRegistry() {}

    public static Instrumentation getInstrumentation() {
        throw new UnsupportedOperationException("compile-only stub");
    }
}
