// Compile-only stub of androidx.compose.ui:ui 1.7.6, androidx.compose.ui.layout.
package androidx.compose.ui.layout

import androidx.compose.runtime.Stable
import compilestub.stub

@Stable
interface ContentScale {
    companion object {
        @Stable val Crop: ContentScale = stub()
        @Stable val Fit: ContentScale = stub()
    }
}
