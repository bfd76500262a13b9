// Compile-only stub of androidx.compose.runtime:runtime 1.7.6: the flag helper restart
// groups call (the plugin emits `updateChangedFlags`).
package androidx.compose.runtime

import compilestub.stub

fun updateChangedFlags(flags: Int): Int = stub()
