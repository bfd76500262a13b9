package org.tfp2c.cartoon.state

// Plain Kotlin (no Android classes): the screen's state and its transitions, unit-tested on the
// JVM (app/src/test). The image type is a parameter so tests need no Bitmap; the app uses
// ScreenState<Bitmap> (UiState).

/** Where the generator runs. */
enum class Delegate { CPU, GPU }

/** What the screen is waiting for; [IDLE] when the buttons are enabled. */
enum class Phase { IDLE, READING_PHOTO, LOADING_MODELS, CARTOONIZING }

/** The three models (generator, face landmarker, segmenter), as the screen reports them. */
sealed interface ModelStatus {
    /** Not loaded yet: the first photo (or a delegate change) loads them. */
    data object NotLoaded : ModelStatus

    /** Loaded; [active] is where the generator runs (CPU when the GPU was asked for but refused). */
    data class Ready(val requested: Delegate, val active: Delegate) : ModelStatus

    /** Loading failed (e.g. a missing asset); the next photo tries again. */
    data class Failed(val detail: String) : ModelStatus
}

/** One-off messages: the screen shows one, then calls `onMessageShown(messageId)`. */
sealed interface UserMessage {
    data object NoFace : UserMessage
    data object CameraPermissionDenied : UserMessage
    data object GpuUnavailable : UserMessage
    data class ModelsFailed(val detail: String) : UserMessage
    data class Error(val detail: String) : UserMessage
}

/** One photo's result from the pipeline. */
class Cartoon<out I>(val crop: I, val cartoon: I, val inferenceTimeMs: Long, val totalTimeMs: Long)

/** The line under the buttons: progress while working, otherwise the last outcome. */
sealed interface StatusLine {
    data object Hint : StatusLine
    data object ReadingPhoto : StatusLine
    data class LoadingModels(val delegate: Delegate) : StatusLine
    data object Cartoonizing : StatusLine
    data class ModelsFailed(val detail: String) : StatusLine
    data class Timings(val inferenceTimeMs: Long, val delegate: Delegate, val totalTimeMs: Long) : StatusLine
    data object NoResult : StatusLine
}

/**
 * Everything the screen shows. Transitions are the methods below; each returns a new state.
 *
 * @property delegate the delegate the user asked for.
 * @property messageId increases with every new message, so the same message twice is shown twice
 *   and acknowledging an old one cannot clear a newer one.
 */
data class ScreenState<out I>(
    val original: I? = null,
    /** Aligned face crop composited on white: the generator's input. */
    val crop: I? = null,
    /** Generator output composited on white with the same mask. */
    val cartoon: I? = null,
    val inferenceTimeMs: Long? = null,
    val totalTimeMs: Long? = null,
    val delegate: Delegate = Delegate.CPU,
    val model: ModelStatus = ModelStatus.NotLoaded,
    val phase: Phase = Phase.IDLE,
    val message: UserMessage? = null,
    val messageId: Long = 0,
) {
    val isBusy: Boolean get() = phase != Phase.IDLE

    /** Where the last inference ran, once the models are loaded. */
    val activeDelegate: Delegate? get() = (model as? ModelStatus.Ready)?.active

    val statusLine: StatusLine
        get() = when {
            phase == Phase.READING_PHOTO -> StatusLine.ReadingPhoto
            phase == Phase.LOADING_MODELS -> StatusLine.LoadingModels(delegate)
            phase == Phase.CARTOONIZING -> StatusLine.Cartoonizing
            model is ModelStatus.Failed -> StatusLine.ModelsFailed(model.detail)
            original == null -> StatusLine.Hint
            inferenceTimeMs != null && totalTimeMs != null ->
                StatusLine.Timings(inferenceTimeMs, activeDelegate ?: delegate, totalTimeMs)
            else -> StatusLine.NoResult
        }

    fun withMessage(next: UserMessage): ScreenState<I> = copy(message = next, messageId = messageId + 1)

    /** The message [shownId] was shown: clear it, unless a newer one replaced it meanwhile. */
    fun messageShown(shownId: Long): ScreenState<I> = if (shownId == messageId) copy(message = null) else this

    fun working(next: Phase): ScreenState<I> = copy(phase = next)

    fun idle(): ScreenState<I> = copy(phase = Phase.IDLE)

    /** The user picked another delegate: the models are reloaded for it. */
    fun delegateSelected(next: Delegate): ScreenState<I> = copy(delegate = next, model = ModelStatus.NotLoaded)

    fun modelsLoading(): ScreenState<I> = copy(phase = Phase.LOADING_MODELS)

    fun modelsReady(requested: Delegate, active: Delegate): ScreenState<I> {
        val ready = copy(model = ModelStatus.Ready(requested, active), phase = Phase.CARTOONIZING)
        return if (requested == Delegate.GPU && active != Delegate.GPU) ready.withMessage(UserMessage.GpuUnavailable) else ready
    }

    /** Loading failed: say so in the status line and once as a message; old results stay. */
    fun modelsFailed(detail: String): ScreenState<I> =
        copy(model = ModelStatus.Failed(detail), phase = Phase.IDLE).withMessage(UserMessage.ModelsFailed(detail))

    /** [result] for [photo]; null means no face was found (old crop and cartoon are cleared). */
    fun cartoonized(photo: @UnsafeVariance I, result: Cartoon<@UnsafeVariance I>?): ScreenState<I> {
        val next = copy(
            original = photo, crop = result?.crop, cartoon = result?.cartoon,
            inferenceTimeMs = result?.inferenceTimeMs, totalTimeMs = result?.totalTimeMs,
        )
        return if (result == null) next.withMessage(UserMessage.NoFace) else next
    }

    /** Work failed with [message] (see [ErrorMessages]); the last results stay on screen. */
    fun failed(message: UserMessage): ScreenState<I> = copy(phase = Phase.IDLE).withMessage(message)
}
