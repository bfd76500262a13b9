// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// LiteRT 1.4.0 (com.google.ai.edge.litert:litert-gpu).
package org.tensorflow.lite.gpu;

import java.io.Closeable;

public class CompatibilityList implements Closeable {
    public CompatibilityList() {
        throw new UnsupportedOperationException("compile-only stub");
    }

    public boolean isDelegateSupportedOnThisDevice() {
        throw new UnsupportedOperationException("compile-only stub");
    }

    /** Some releases declare the subclass GpuDelegate.Options; the app only hands it to GpuDelegate. */
    public GpuDelegateFactory.Options getBestOptionsForThisDevice() {
        throw new UnsupportedOperationException("compile-only stub");
    }

    @Override
    public void close() {}
}
