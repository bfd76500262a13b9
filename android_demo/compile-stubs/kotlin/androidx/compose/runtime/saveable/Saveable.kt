// Compile-only stub of androidx.compose.runtime:runtime-saveable 1.7.6 (Compose BOM 2024.12.01).
package androidx.compose.runtime.saveable

import androidx.compose.runtime.Composable
import compilestub.stub

interface Saver<Original, Saveable : Any>

fun <T> autoSaver(): Saver<T, Any> = stub()

@Composable
fun <T : Any> rememberSaveable(
    vararg inputs: Any?,
    saver: Saver<T, out Any> = autoSaver(),
    key: String? = null,
    init: () -> T,
): T = stub()
