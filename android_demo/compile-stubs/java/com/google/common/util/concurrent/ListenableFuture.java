// Compile-only stub (android_demo/compile-stubs): signatures the app uses, from the published API of
// com.google.guava:listenablefuture 1.0 (the interface CameraX returns; also in guava).
package com.google.common.util.concurrent;

import java.util.concurrent.Executor;
import java.util.concurrent.Future;

public interface ListenableFuture<V> extends Future<V> {
    void addListener(Runnable listener, Executor executor);
}
