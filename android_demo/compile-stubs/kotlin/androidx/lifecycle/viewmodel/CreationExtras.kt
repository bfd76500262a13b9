// Compile-only stub of androidx.lifecycle:lifecycle-viewmodel 2.8.7.
package androidx.lifecycle.viewmodel

abstract class CreationExtras
