package org.tfp2c.cartoon

import android.graphics.Bitmap

/** Everything the screen shows; produced by [MainViewModel]. */
data class UiState(
    val original: Bitmap? = null,
    /** Aligned face crop composited on white: the generator's input. */
    val crop: Bitmap? = null,
    /** Generator output composited on white with the same mask. */
    val cartoon: Bitmap? = null,
    val inferenceTimeMs: Long? = null,
    val totalTimeMs: Long? = null,
    /** Delegate the user asked for. */
    val delegate: CartoonizerHelper.Delegate = CartoonizerHelper.Delegate.CPU,
    /** Delegate the last inference ran on (CPU when the GPU is unsupported). */
    val activeDelegate: CartoonizerHelper.Delegate? = null,
    val isBusy: Boolean = false,
    val message: UserMessage? = null,
)

/** One-off messages; the screen shows one and calls [MainViewModel.onMessageShown]. */
sealed interface UserMessage {
    data object NoFace : UserMessage
    data object CameraPermissionDenied : UserMessage
    data object GpuUnavailable : UserMessage
    data class Error(val detail: String) : UserMessage
}
