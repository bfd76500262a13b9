// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// LiteRT 1.4.0 (com.google.ai.edge.litert:litert, class org.tensorflow.lite.Interpreter).
package org.tensorflow.lite;

import java.nio.ByteBuffer;
import java.util.Map;

public final class Interpreter implements InterpreterApi {
    /** The real Options overrides each setter to return Interpreter.Options. */
    public static class Options extends InterpreterApi.Options {
        public Options() {}

        @Override
        public Options setNumThreads(int numThreads) {
            throw new UnsupportedOperationException("compile-only stub");
        }

        @Override
        public Options addDelegate(Delegate delegate) {
            throw new UnsupportedOperationException("compile-only stub");
        }

        public Options setUseXNNPACK(boolean useXNNPACK) {
            throw new UnsupportedOperationException("compile-only stub");
        }
    }

    public Interpreter(ByteBuffer byteBuffer, Options options) {
        throw new UnsupportedOperationException("compile-only stub");
    }

    @Override
    public void run(Object input, Object output) {
        throw new UnsupportedOperationException("compile-only stub");
    }

    public void runSignature(Map<String, Object> inputs, Map<String, Object> outputs, String signatureKey) {
        throw new UnsupportedOperationException("compile-only stub");
    }

    @Override
    public Tensor getInputTensor(int inputIndex) {
        throw new UnsupportedOperationException("compile-only stub");
    }

    @Override
    public Tensor getOutputTensor(int outputIndex) {
        throw new UnsupportedOperationException("compile-only stub");
    }

    @Override
    public void close() {
        throw new UnsupportedOperationException("compile-only stub");
    }
}
