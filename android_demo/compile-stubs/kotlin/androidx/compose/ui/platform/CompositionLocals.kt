// Compile-only stub of androidx.compose.ui:ui 1.7.6, androidx.compose.ui.platform (AndroidCompositionLocals.android.kt).
package androidx.compose.ui.platform

import android.content.Context
import androidx.compose.runtime.ProvidableCompositionLocal
import compilestub.stub

val LocalContext: ProvidableCompositionLocal<Context> = stub()
