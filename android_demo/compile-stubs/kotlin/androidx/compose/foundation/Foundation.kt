// Compile-only stub of androidx.compose.foundation:foundation 1.7.6 (Compose BOM 2024.12.01):
// Image, scrolling.
package androidx.compose.foundation

import androidx.compose.runtime.Composable
import androidx.compose.runtime.Stable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.layout.ContentScale
import compilestub.stub

@Composable
fun Image(
    bitmap: ImageBitmap,
    contentDescription: String?,
    modifier: Modifier = Modifier,
    alignment: Alignment = Alignment.Center,
    contentScale: ContentScale = ContentScale.Fit,
    alpha: Float = 1.0f,
): Unit = stub()

@Stable
class ScrollState(initial: Int) {
    val value: Int get() = stub()
}

@Composable
fun rememberScrollState(initial: Int = 0): ScrollState = stub()

fun Modifier.verticalScroll(state: ScrollState, enabled: Boolean = true, reverseScrolling: Boolean = false): Modifier =
    stub()
