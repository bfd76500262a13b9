// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// LiteRT 1.4.0 (com.google.ai.edge.litert:litert-api).
package org.tensorflow.lite;


public interface InterpreterApi extends AutoCloseable {
    class Options {
        public Options setNumThreads(int numThreads) {
            throw new UnsupportedOperationException("compile-only stub");
        }

        public Options addDelegate(Delegate delegate) {
            throw new UnsupportedOperationException("compile-only stub");
        }
    }

    void run(Object input, Object output);

    Tensor getInputTensor(int inputIndex);

    Tensor getOutputTensor(int outputIndex);

    @Override
    void close();
}
