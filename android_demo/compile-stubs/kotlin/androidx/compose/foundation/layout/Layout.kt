// Compile-only stub of androidx.compose.foundation:foundation-layout 1.7.6 (Compose BOM
// 2024.12.01): Row, Column, Box with their scopes, Arrangement, padding and size modifiers.
package androidx.compose.foundation.layout

import androidx.compose.runtime.Composable
import androidx.compose.runtime.Immutable
import androidx.compose.runtime.Stable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.Dp
import compilestub.stub

@DslMarker
annotation class LayoutScopeMarker

@Immutable
object Arrangement {
    @Stable
    interface Horizontal

    @Stable
    interface Vertical

    @Stable
    interface HorizontalOrVertical : Horizontal, Vertical

    @Stable val Start: Horizontal = stub()
    @Stable val Top: Vertical = stub()
    @Stable val Center: HorizontalOrVertical = stub()

    @Stable
    fun spacedBy(space: Dp): HorizontalOrVertical = stub()
}

@LayoutScopeMarker
@Immutable
interface RowScope {
    @Stable
    fun Modifier.weight(weight: Float, fill: Boolean = true): Modifier
}

@LayoutScopeMarker
@Immutable
interface ColumnScope {
    @Stable
    fun Modifier.weight(weight: Float, fill: Boolean = true): Modifier
}

@LayoutScopeMarker
@Immutable
interface BoxScope {
    @Stable
    fun Modifier.align(alignment: Alignment): Modifier
}

@Composable
inline fun Row(
    modifier: Modifier = Modifier,
    horizontalArrangement: Arrangement.Horizontal = Arrangement.Start,
    verticalAlignment: Alignment.Vertical = Alignment.Top,
    content: @Composable RowScope.() -> Unit,
): Unit = stub()

@Composable
inline fun Column(
    modifier: Modifier = Modifier,
    verticalArrangement: Arrangement.Vertical = Arrangement.Top,
    horizontalAlignment: Alignment.Horizontal = Alignment.Start,
    content: @Composable ColumnScope.() -> Unit,
): Unit = stub()

@Composable
inline fun Box(
    modifier: Modifier = Modifier,
    contentAlignment: Alignment = Alignment.TopStart,
    propagateMinConstraints: Boolean = false,
    content: @Composable BoxScope.() -> Unit,
): Unit = stub()

@Stable
fun Modifier.padding(all: Dp): Modifier = stub()

@Stable
fun Modifier.padding(horizontal: Dp = Dp(0f), vertical: Dp = Dp(0f)): Modifier = stub()

@Stable
fun Modifier.fillMaxSize(fraction: Float = 1f): Modifier = stub()

@Stable
fun Modifier.fillMaxWidth(fraction: Float = 1f): Modifier = stub()

@Stable
fun Modifier.aspectRatio(ratio: Float, matchHeightConstraintsFirst: Boolean = false): Modifier = stub()

fun Modifier.safeDrawingPadding(): Modifier = stub()
