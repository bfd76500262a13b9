// Compile-only stub of androidx.compose.ui:ui 1.7.6, androidx.compose.ui.viewinterop.
package androidx.compose.ui.viewinterop

import android.content.Context
import android.view.View
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import compilestub.stub

@Composable
fun <T : View> AndroidView(factory: (Context) -> T, modifier: Modifier = Modifier, update: (T) -> Unit = stub()): Unit =
    stub()
