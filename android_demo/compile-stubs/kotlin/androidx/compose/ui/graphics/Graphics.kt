// Compile-only stub of androidx.compose.ui:ui-graphics 1.7.6 (Compose BOM 2024.12.01).
package androidx.compose.ui.graphics

import android.graphics.Bitmap
import androidx.compose.runtime.Immutable
import androidx.compose.runtime.Stable
import compilestub.stub

@Immutable
@JvmInline
value class Color(val value: ULong) {
    companion object {
        @Stable val Unspecified: Color = stub()
    }
}

interface ImageBitmap {
    val width: Int
    val height: Int
}

fun Bitmap.asImageBitmap(): ImageBitmap = stub()
