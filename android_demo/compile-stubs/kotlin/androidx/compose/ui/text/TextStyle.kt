// Compile-only stub of androidx.compose.ui:ui-text 1.7.6 (Compose BOM 2024.12.01).
package androidx.compose.ui.text

import androidx.compose.runtime.Immutable

@Immutable
class TextStyle
