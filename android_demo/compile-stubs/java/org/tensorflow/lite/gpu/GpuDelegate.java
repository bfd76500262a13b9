// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// LiteRT 1.4.0 (com.google.ai.edge.litert:litert-gpu).
package org.tensorflow.lite.gpu;

import org.tensorflow.lite.Delegate;

public class GpuDelegate implements Delegate {
    public GpuDelegate(GpuDelegateFactory.Options options) {
        throw new UnsupportedOperationException("compile-only stub");
    }

    public GpuDelegate() {
        throw new UnsupportedOperationException("compile-only stub");
    }

    @Override
    public long getNativeHandle() {
        throw new UnsupportedOperationException("compile-only stub");
    }

    @Override
    public void close() {}
}
