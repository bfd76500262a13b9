package org.tfp2c.cartoon.state

import java.io.IOException
import java.util.Collections
import java.util.concurrent.Executors
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.runBlocking
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertSame
import org.junit.Assert.assertTrue
import org.junit.Test

/** The controller with a fake engine on a real single worker thread, as in the app. */
class CartoonControllerTest {
    private val executor = Executors.newSingleThreadExecutor()
    private val worker = executor.asCoroutineDispatcher()
    private val uncaught = Collections.synchronizedList(mutableListOf<Throwable>())
    private val scope = CoroutineScope(SupervisorJob() + CoroutineExceptionHandler { _, error -> uncaught += error })

    /** What the engine saw, in order: loads, photos, closes, and the phase shown meanwhile. */
    private val events = Collections.synchronizedList(mutableListOf<String>())
    private val phasesSeen = Collections.synchronizedList(mutableListOf<Phase>())
    private var loadFailure: Throwable? = null
    private var cartoonizeFailure: Throwable? = null
    private var gpuSupported = true

    private lateinit var controller: CartoonController<String>

    private inner class FakeEngine(val delegate: Delegate) : CartoonEngine<String> {
        override val activeDelegate = if (delegate == Delegate.GPU && !gpuSupported) Delegate.CPU else delegate

        override fun cartoonize(photo: String): Cartoon<String>? {
            phasesSeen += controller.state.value.phase
            events += "cartoonize $photo on $activeDelegate"
            cartoonizeFailure?.let { throw it }
            return if (photo.startsWith("empty")) null else Cartoon("crop of $photo", "cartoon of $photo", 10, 30)
        }

        override fun close() {
            events += "close $delegate"
        }
    }

    private fun controller() = CartoonController(scope, worker) { delegate ->
        phasesSeen += controller.state.value.phase
        events += "load $delegate"
        loadFailure?.let { throw it }
        FakeEngine(delegate)
    }.also { controller = it }

    private fun photo(name: String) = runBlocking {
        controller.submit {
            phasesSeen += controller.state.value.phase
            name
        }.join()
    }

    @After
    fun stopWorker() {
        executor.shutdownNow()
    }

    @Test
    fun firstPhotoLoadsTheModelsThenCartoonizesWithEachPhaseShown() {
        controller()
        photo("portrait")
        val state = controller.state.value
        assertEquals(listOf(Phase.READING_PHOTO, Phase.LOADING_MODELS, Phase.CARTOONIZING), phasesSeen)
        assertEquals(listOf("load CPU", "cartoonize portrait on CPU"), events)
        assertEquals(Phase.IDLE, state.phase)
        assertEquals("cartoon of portrait", state.cartoon)
        assertEquals(ModelStatus.Ready(Delegate.CPU, Delegate.CPU), state.model)
        assertEquals(StatusLine.Timings(10, Delegate.CPU, 30), state.statusLine)
        assertNull(state.message)
    }

    @Test
    fun theModelsAreLoadedOnceForManyPhotos() {
        controller()
        photo("a")
        photo("b")
        assertEquals(listOf("load CPU", "cartoonize a on CPU", "cartoonize b on CPU"), events)
    }

    @Test
    fun aMissingLandmarkerGivesAMessageNotACrashAndTheNextPhotoRetries() {
        controller()
        // What MediaPipe throws for a missing face_landmarker.task: a runtime exception.
        loadFailure = IllegalStateException("Unable to open file face_landmarker.task")
        photo("portrait")
        var state = controller.state.value
        assertTrue(uncaught.isEmpty())
        assertEquals(Phase.IDLE, state.phase)
        assertEquals(ModelStatus.Failed("Unable to open file face_landmarker.task"), state.model)
        assertEquals(UserMessage.ModelsFailed("Unable to open file face_landmarker.task"), state.message)
        assertEquals(StatusLine.ModelsFailed("Unable to open file face_landmarker.task"), state.statusLine)

        loadFailure = null
        photo("portrait")
        state = controller.state.value
        assertEquals(listOf("load CPU", "load CPU", "cartoonize portrait on CPU"), events)
        assertEquals("cartoon of portrait", state.cartoon)
        assertEquals(ModelStatus.Ready(Delegate.CPU, Delegate.CPU), state.model)
    }

    @Test
    fun aRuntimeFailureWhileCartoonizingIsReportedAndTheLastResultStays() {
        controller()
        photo("first")
        cartoonizeFailure = RuntimeException("graph failed\nstack of native frames")
        photo("second")
        val state = controller.state.value
        assertTrue(uncaught.isEmpty())
        assertEquals(UserMessage.Error("graph failed"), state.message)
        assertEquals("cartoon of first", state.cartoon)
        assertEquals(Phase.IDLE, state.phase)
    }

    @Test
    fun anUnreadablePhotoIsReportedWithoutLoadingTheModels() {
        controller()
        runBlocking { controller.submit { throw IOException("not an image: content://1") }.join() }
        assertEquals(UserMessage.Error("not an image: content://1"), controller.state.value.message)
        assertEquals(emptyList<String>(), events)
    }

    @Test
    fun outOfMemoryIsReported() {
        controller()
        runBlocking { controller.submit { throw OutOfMemoryError("Failed to allocate") }.join() }
        assertEquals(UserMessage.Error("out of memory; try a smaller photo"), controller.state.value.message)
        assertTrue(uncaught.isEmpty())
    }

    @Test
    fun noFaceIsAMessage() {
        controller()
        photo("empty room")
        val state = controller.state.value
        assertEquals(UserMessage.NoFace, state.message)
        assertNull(state.cartoon)
        assertEquals("empty room", state.original)
    }

    @Test
    fun gpuUnsupportedRunsOnCpuAndSaysSo() {
        gpuSupported = false
        controller()
        runBlocking { controller.selectDelegate(Delegate.GPU)?.join() }
        photo("portrait")
        val state = controller.state.value
        assertEquals(UserMessage.GpuUnavailable, state.message)
        assertEquals(ModelStatus.Ready(Delegate.GPU, Delegate.CPU), state.model)
        assertEquals(StatusLine.Timings(10, Delegate.CPU, 30), state.statusLine)
    }

    @Test
    fun changingTheDelegateClosesTheModelsAndRerunsTheLastPhoto() {
        controller()
        photo("portrait")
        val job = controller.selectDelegate(Delegate.GPU)
        assertNotNull(job)
        runBlocking { job!!.join() }
        assertEquals(
            listOf("load CPU", "cartoonize portrait on CPU", "close CPU", "load GPU", "cartoonize portrait on GPU"),
            events,
        )
        assertEquals(StatusLine.Timings(10, Delegate.GPU, 30), controller.state.value.statusLine)
        assertNull(controller.selectDelegate(Delegate.GPU)) // same delegate: nothing to do
    }

    @Test
    fun closeReleasesTheModelsOnTheWorker() {
        controller()
        photo("portrait")
        runBlocking { controller.close().join() }
        assertEquals("close CPU", events.last())
    }

    @Test
    fun bugsAreNotSwallowed() {
        controller()
        val bug = StackOverflowError()
        cartoonizeFailure = bug
        photo("portrait")
        assertSame(bug, uncaught.single())
        assertEquals(Phase.IDLE, controller.state.value.phase)
        assertNull(controller.state.value.message)
    }

    @Test
    fun theCameraPermissionMessageCanBeAcknowledged() {
        controller()
        controller.cameraPermissionDenied()
        val state = controller.state.value
        assertEquals(UserMessage.CameraPermissionDenied, state.message)
        controller.messageShown(state.messageId)
        assertNull(controller.state.value.message)
    }
}
