// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// LiteRT 1.4.0 (com.google.ai.edge.litert:litert-api).
package org.tensorflow.lite;

public interface Tensor {
    int[] shape();

    int numBytes();
}
