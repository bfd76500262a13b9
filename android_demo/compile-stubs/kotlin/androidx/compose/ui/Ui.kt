// Compile-only stub of androidx.compose.ui:ui 1.7.6 (+ ui-graphics, ui-unit, ui-text of the
// same release; Compose BOM 2024.12.01), from its API reference: only what the app uses.
@file:Suppress("unused")

package androidx.compose.ui

import androidx.compose.runtime.Stable
import compilestub.stub

@Stable
interface Modifier {
    infix fun then(other: Modifier): Modifier = stub()

    companion object : Modifier {
        override infix fun then(other: Modifier): Modifier = other
    }
}

// The real types are fun interfaces over IntSize/IntOffset; the app never implements them.
@Stable
interface Alignment {
    @Stable
    interface Horizontal

    @Stable
    interface Vertical

    companion object {
        @Stable val TopStart: Alignment = stub()
        @Stable val Center: Alignment = stub()
        @Stable val BottomCenter: Alignment = stub()
        @Stable val Top: Vertical = stub()
        @Stable val CenterVertically: Vertical = stub()
        @Stable val Start: Horizontal = stub()
        @Stable val CenterHorizontally: Horizontal = stub()
    }
}

