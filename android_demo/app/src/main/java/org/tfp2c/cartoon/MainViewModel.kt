package org.tfp2c.cartoon

import android.app.Application
import android.graphics.Bitmap
import android.net.Uri
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import java.io.IOException
import java.util.concurrent.Executors
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * Loads photos, runs [CartoonPipeline] on one background thread and publishes [UiState].
 *
 * All interpreter work happens on [inferenceDispatcher], a single thread, because the GPU
 * delegate must be created and used on the same thread.
 */
class MainViewModel(application: Application) : AndroidViewModel(application) {
    private val executor = Executors.newSingleThreadExecutor()
    private val inferenceDispatcher = executor.asCoroutineDispatcher()
    private val state = MutableStateFlow(UiState())
    val uiState: StateFlow<UiState> = state.asStateFlow()

    private var pipeline: CartoonPipeline? = null
    private var lastPhoto: Bitmap? = null

    fun onPhotoPicked(uri: Uri) = launchWork {
        process(PhotoLoader.load(getApplication<Application>().contentResolver, uri))
    }

    /** A camera frame, already turned upright. */
    fun onPhotoCaptured(photo: Bitmap) = launchWork { process(PhotoLoader.fit(photo)) }

    fun onDelegateSelected(delegate: CartoonizerHelper.Delegate) {
        if (delegate == state.value.delegate) return
        state.update { it.copy(delegate = delegate) }
        launchWork {
            pipeline?.close()
            pipeline = null
            lastPhoto?.let { process(it) }
        }
    }

    fun onCameraPermissionDenied() = state.update { it.copy(message = UserMessage.CameraPermissionDenied) }

    fun onMessageShown() = state.update { it.copy(message = null) }

    private fun launchWork(block: suspend () -> Unit) {
        viewModelScope.launch(inferenceDispatcher) {
            state.update { it.copy(isBusy = true) }
            try {
                block()
            } catch (error: IOException) {
                state.update { it.copy(message = UserMessage.Error(error.message ?: error.toString())) }
            } catch (error: IllegalArgumentException) {
                // e.g. a model without the exporter's metadata, or an unreadable photo
                state.update { it.copy(message = UserMessage.Error(error.message ?: error.toString())) }
            } catch (error: OutOfMemoryError) {
                state.update { it.copy(message = UserMessage.Error("out of memory")) }
            } finally {
                state.update { it.copy(isBusy = false) }
            }
        }
    }

    private fun process(photo: Bitmap) {
        lastPhoto = photo
        val wanted = state.value.delegate
        val current = pipeline
            ?: CartoonPipeline(getApplication(), CartoonizerHelper.Options(delegate = wanted)).also { pipeline = it }
        val active = current.cartoonizer.delegate
        val output = current.run(photo)
        state.update {
            val fallback = if (wanted == CartoonizerHelper.Delegate.GPU && active != wanted) UserMessage.GpuUnavailable else null
            if (output == null) {
                it.copy(original = photo, crop = null, cartoon = null, inferenceTimeMs = null, totalTimeMs = null,
                    message = UserMessage.NoFace)
            } else {
                it.copy(original = photo, crop = output.crop, cartoon = output.cartoon, activeDelegate = active,
                    inferenceTimeMs = output.inferenceTimeMs, totalTimeMs = output.totalTimeMs, message = fallback)
            }
        }
    }

    override fun onCleared() {
        // Close on the inference thread, after any running job, then stop the thread.
        executor.execute {
            pipeline?.close()
            pipeline = null
        }
        executor.shutdown()
    }
}
