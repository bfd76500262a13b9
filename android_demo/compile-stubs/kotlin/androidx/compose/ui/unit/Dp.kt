// Compile-only stub of androidx.compose.ui:ui-unit 1.7.6 (Compose BOM 2024.12.01).
package androidx.compose.ui.unit

import androidx.compose.runtime.Immutable
import androidx.compose.runtime.Stable

@Immutable
@JvmInline
value class Dp(val value: Float)

@Stable
inline val Int.dp: Dp get() = Dp(this.toFloat())
