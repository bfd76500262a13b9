// Compile-only (android_demo/compile-stubs): every stub body ends here; nothing of this runs.
package compilestub

@PublishedApi
internal fun stub(): Nothing = throw UnsupportedOperationException("compile-only stub")
