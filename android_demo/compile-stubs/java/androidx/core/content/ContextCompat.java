// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// androidx.core:core 1.15.0.
package androidx.core.content;

import android.content.Context;
import java.util.concurrent.Executor;

public class ContextCompat {
    protected ContextCompat() {}

    public static Executor getMainExecutor(Context context) {
        throw new UnsupportedOperationException("compile-only stub");
    }

    public static int checkSelfPermission(Context context, String permission) {
        throw new UnsupportedOperationException("compile-only stub");
    }
}
