package org.tfp2c.cartoon

import android.app.Application
import android.graphics.Bitmap
import android.net.Uri
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import java.util.concurrent.Executors
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.flow.StateFlow
import org.tfp2c.cartoon.state.CartoonController
import org.tfp2c.cartoon.state.Delegate

/**
 * Loads photos, runs [CartoonPipeline] on one background thread and publishes [UiState].
 *
 * The logic (phases, model status, error mapping, messages) is [CartoonController], plain
 * Kotlin tested on the JVM; this class wires it to Android: the photo decoder, the pipeline and
 * a single inference thread, because the GPU delegate must be created and used on one thread.
 */
class MainViewModel(application: Application) : AndroidViewModel(application) {
    private val executor = Executors.newSingleThreadExecutor()
    private val controller = CartoonController(viewModelScope, executor.asCoroutineDispatcher()) { delegate ->
        CartoonPipeline.create(getApplication(), CartoonizerHelper.Options(delegate = delegate))
    }
    val uiState: StateFlow<UiState> = controller.state

    fun onPhotoPicked(uri: Uri) {
        controller.submit { PhotoLoader.load(getApplication<Application>().contentResolver, uri) }
    }

    /** A camera frame, already turned upright. */
    fun onPhotoCaptured(photo: Bitmap) {
        controller.submit { PhotoLoader.fit(photo) }
    }

    fun onDelegateSelected(delegate: Delegate) {
        controller.selectDelegate(delegate)
    }

    fun onCameraPermissionDenied() = controller.cameraPermissionDenied()

    /** The screen showed the message with this id. */
    fun onMessageShown(messageId: Long) = controller.messageShown(messageId)

    override fun onCleared() {
        // Close on the inference thread, after any running job, then stop the thread.
        controller.close()
        executor.shutdown()
    }
}
