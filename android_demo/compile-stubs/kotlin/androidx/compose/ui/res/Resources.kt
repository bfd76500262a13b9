// Compile-only stub of androidx.compose.ui:ui 1.7.6, androidx.compose.ui.res (StringResources.android.kt).
package androidx.compose.ui.res

import androidx.annotation.StringRes
import androidx.compose.runtime.Composable
import androidx.compose.runtime.ReadOnlyComposable
import compilestub.stub

@Composable
@ReadOnlyComposable
fun stringResource(@StringRes id: Int): String = stub()

@Composable
@ReadOnlyComposable
fun stringResource(@StringRes id: Int, vararg formatArgs: Any): String = stub()
