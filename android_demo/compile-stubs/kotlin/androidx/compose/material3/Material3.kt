// Compile-only stub of androidx.compose.material3:material3 1.3.1 (Compose BOM 2024.12.01),
// from its API reference: the components and theme accessors the app uses. Optional
// parameters the app never passes (colours, shapes, interaction sources...) are left out.
package androidx.compose.material3

import androidx.compose.foundation.layout.RowScope
import androidx.compose.runtime.Composable
import androidx.compose.runtime.ReadOnlyComposable
import androidx.compose.runtime.Stable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.text.TextStyle
import compilestub.stub

@Stable
class ColorScheme {
    val primary: Color get() = stub()
    val error: Color get() = stub()
}

class Typography {
    val bodyMedium: TextStyle get() = stub()
    val labelLarge: TextStyle get() = stub()
}

object MaterialTheme {
    val colorScheme: ColorScheme
        @Composable @ReadOnlyComposable get() = stub()
    val typography: Typography
        @Composable @ReadOnlyComposable get() = stub()
}

@Composable
fun MaterialTheme(
    colorScheme: ColorScheme = MaterialTheme.colorScheme,
    typography: Typography = MaterialTheme.typography,
    content: @Composable () -> Unit,
): Unit = stub()

@Composable
fun Text(
    text: String,
    modifier: Modifier = Modifier,
    color: Color = Color.Unspecified,
    style: TextStyle = stub(),
): Unit = stub()

@Composable
fun Button(
    onClick: () -> Unit,
    modifier: Modifier = Modifier,
    enabled: Boolean = true,
    content: @Composable RowScope.() -> Unit,
): Unit = stub()

@Composable
fun OutlinedButton(
    onClick: () -> Unit,
    modifier: Modifier = Modifier,
    enabled: Boolean = true,
    content: @Composable RowScope.() -> Unit,
): Unit = stub()

@Composable
fun TextButton(
    onClick: () -> Unit,
    modifier: Modifier = Modifier,
    enabled: Boolean = true,
    content: @Composable RowScope.() -> Unit,
): Unit = stub()

/** Stable since material3 1.2.0 (no opt-in). */
@Composable
fun FilterChip(
    selected: Boolean,
    onClick: () -> Unit,
    label: @Composable () -> Unit,
    modifier: Modifier = Modifier,
    enabled: Boolean = true,
): Unit = stub()

/** The indeterminate overload. */
@Composable
fun LinearProgressIndicator(modifier: Modifier = Modifier, color: Color = stub()): Unit = stub()

enum class SnackbarDuration { Short, Long, Indefinite }

enum class SnackbarResult { Dismissed, ActionPerformed }

interface SnackbarData {
    fun dismiss()
}

@Stable
class SnackbarHostState {
    val currentSnackbarData: SnackbarData? get() = stub()

    suspend fun showSnackbar(
        message: String,
        actionLabel: String? = null,
        withDismissAction: Boolean = false,
        duration: SnackbarDuration = if (actionLabel == null) SnackbarDuration.Short else SnackbarDuration.Indefinite,
    ): SnackbarResult = stub()
}

@Composable
fun SnackbarHost(
    hostState: SnackbarHostState,
    modifier: Modifier = Modifier,
    snackbar: @Composable (SnackbarData) -> Unit = stub(),
): Unit = stub()

