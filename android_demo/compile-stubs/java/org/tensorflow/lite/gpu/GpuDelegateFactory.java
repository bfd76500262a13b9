// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// LiteRT 1.4.0 (com.google.ai.edge.litert:litert-gpu-api).
package org.tensorflow.lite.gpu;

public class GpuDelegateFactory {
    public static class Options {
        public Options() {}
    }
}
