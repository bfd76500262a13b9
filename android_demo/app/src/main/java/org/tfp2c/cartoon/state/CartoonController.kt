package org.tfp2c.cartoon.state

import java.io.Closeable
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** The models behind the screen: one photo in, its cartoon out (null: no face). */
interface CartoonEngine<I> : Closeable {
    /** Where the generator runs (CPU when the GPU was asked for but is unsupported). */
    val activeDelegate: Delegate

    fun cartoonize(photo: I): Cartoon<I>?
}

/**
 * The screen's work, free of Android: loads the models on first use, runs photos through them
 * on [worker], and publishes [state]. Every failure [ErrorMessages] knows becomes a message;
 * the rest propagate to [scope].
 *
 * All engine calls (create, cartoonize, close) happen on [worker], which must be a single
 * thread: LiteRT's GPU delegate is bound to the thread that created it.
 *
 * @param loadEngine loads the models for a delegate (slow: seconds).
 */
class CartoonController<I : Any>(
    private val scope: CoroutineScope,
    private val worker: CoroutineDispatcher,
    private val loadEngine: (Delegate) -> CartoonEngine<I>,
) {
    private val mutableState = MutableStateFlow(ScreenState<I>())
    val state: StateFlow<ScreenState<I>> = mutableState.asStateFlow()

    // Touched on the worker thread only.
    private var engine: CartoonEngine<I>? = null
    private var lastPhoto: I? = null

    /** Decodes a photo with [read] (on the worker, it may be slow) and cartoonizes it. */
    fun submit(read: () -> I): Job = launchWork(Phase.READING_PHOTO) {
        val photo = read()
        lastPhoto = photo
        process(photo)
    }

    /** Reloads the models for [delegate] and reruns the last photo; null when nothing changes. */
    fun selectDelegate(delegate: Delegate): Job? {
        if (delegate == mutableState.value.delegate) return null
        mutableState.update { it.delegateSelected(delegate) }
        return launchWork(Phase.LOADING_MODELS) {
            closeEngine()
            lastPhoto?.let { process(it) }
        }
    }

    fun cameraPermissionDenied() = mutableState.update { it.withMessage(UserMessage.CameraPermissionDenied) }

    fun messageShown(messageId: Long) = mutableState.update { it.messageShown(messageId) }

    /** Closes the models on the worker, after any work already queued there. */
    fun close(): Job = CoroutineScope(worker).launch { closeEngine() }

    private fun closeEngine() {
        val current = engine ?: return
        engine = null
        current.close()
    }

    private fun launchWork(first: Phase, block: () -> Unit): Job = scope.launch(worker) {
        mutableState.update { it.working(first) }
        try {
            block()
        } catch (error: Throwable) {
            val detail = ErrorMessages.detailFor(error) ?: throw error
            mutableState.update { it.failed(UserMessage.Error(detail)) }
        } finally {
            mutableState.update { it.idle() }
        }
    }

    private fun process(photo: I) {
        val current = engine ?: loadModels() ?: return
        mutableState.update { it.working(Phase.CARTOONIZING) }
        val result = current.cartoonize(photo)
        mutableState.update { it.cartoonized(photo, result) }
    }

    /** The models for the selected delegate, or null (and the state says why) when they fail. */
    private fun loadModels(): CartoonEngine<I>? {
        val wanted = mutableState.value.delegate
        mutableState.update { it.modelsLoading() }
        val loaded = try {
            loadEngine(wanted)
        } catch (error: Throwable) {
            val detail = ErrorMessages.detailFor(error) ?: throw error
            mutableState.update { it.modelsFailed(detail) }
            return null
        }
        engine = loaded
        mutableState.update { it.modelsReady(wanted, loaded.activeDelegate) }
        return loaded
    }
}
