package org.tfp2c.cartoon.state

import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

/** Transitions of the screen state; images are strings here. */
class ScreenStateTest {
    private val start = ScreenState<String>()
    private val result = Cartoon("crop", "cartoon", inferenceTimeMs = 40, totalTimeMs = 120)

    @Test
    fun freshScreenShowsTheHintWithButtonsEnabled() {
        assertEquals(StatusLine.Hint, start.statusLine)
        assertFalse(start.isBusy)
        assertNull(start.message)
    }

    @Test
    fun eachPhaseHasItsStatusLineAndDisablesTheButtons() {
        assertEquals(StatusLine.ReadingPhoto, start.working(Phase.READING_PHOTO).statusLine)
        assertEquals(StatusLine.LoadingModels(Delegate.GPU), start.delegateSelected(Delegate.GPU).modelsLoading().statusLine)
        assertEquals(StatusLine.Cartoonizing, start.working(Phase.CARTOONIZING).statusLine)
        for (phase in Phase.entries.filter { it != Phase.IDLE }) assertTrue(start.working(phase).isBusy)
        assertFalse(start.working(Phase.CARTOONIZING).idle().isBusy)
    }

    @Test
    fun aResultShowsTimingsOnTheDelegateThatRan() {
        val done = start.delegateSelected(Delegate.GPU).modelsLoading().modelsReady(Delegate.GPU, Delegate.GPU)
            .cartoonized("photo", result).idle()
        assertEquals("photo", done.original)
        assertEquals("crop", done.crop)
        assertEquals("cartoon", done.cartoon)
        assertEquals(StatusLine.Timings(40, Delegate.GPU, 120), done.statusLine)
        assertNull(done.message)
    }

    @Test
    fun gpuRefusedFallsBackToCpuWithAMessageAndCpuTimings() {
        val done = start.delegateSelected(Delegate.GPU).modelsReady(Delegate.GPU, Delegate.CPU).cartoonized("photo", result).idle()
        assertEquals(UserMessage.GpuUnavailable, done.message)
        assertEquals(Delegate.CPU, done.activeDelegate)
        assertEquals(StatusLine.Timings(40, Delegate.CPU, 120), done.statusLine)
    }

    @Test
    fun noFaceClearsTheOldCartoonAndSaysSo() {
        val first = start.modelsReady(Delegate.CPU, Delegate.CPU).cartoonized("photo 1", result)
        val second = first.cartoonized("photo 2", null).idle()
        assertEquals("photo 2", second.original)
        assertNull(second.crop)
        assertNull(second.cartoon)
        assertNull(second.inferenceTimeMs)
        assertEquals(UserMessage.NoFace, second.message)
        assertEquals(StatusLine.NoResult, second.statusLine)
    }

    @Test
    fun failedModelsStayInTheStatusLineAfterTheMessageIsShown() {
        val failed = start.modelsLoading().modelsFailed("file not found: face_landmarker.task")
        assertFalse(failed.isBusy)
        assertEquals(UserMessage.ModelsFailed("file not found: face_landmarker.task"), failed.message)
        val acknowledged = failed.messageShown(failed.messageId)
        assertNull(acknowledged.message)
        assertEquals(StatusLine.ModelsFailed("file not found: face_landmarker.task"), acknowledged.statusLine)
    }

    @Test
    fun aWorkErrorKeepsTheLastResult() {
        val done = start.modelsReady(Delegate.CPU, Delegate.CPU).cartoonized("photo", result)
        val failed = done.working(Phase.READING_PHOTO).failed(UserMessage.Error("not an image"))
        assertEquals("cartoon", failed.cartoon)
        assertEquals(UserMessage.Error("not an image"), failed.message)
        assertFalse(failed.isBusy)
    }

    @Test
    fun showingAMessageClearsItButNotANewerOne() {
        val first = start.withMessage(UserMessage.NoFace)
        val second = first.withMessage(UserMessage.NoFace) // the same message again is a new one
        assertTrue(second.messageId > first.messageId)
        assertEquals(UserMessage.NoFace, second.messageShown(first.messageId).message)
        assertNull(second.messageShown(second.messageId).message)
    }

    @Test
    fun changingTheDelegateUnloadsTheModels() {
        val ready = start.modelsReady(Delegate.CPU, Delegate.CPU)
        val changed = ready.delegateSelected(Delegate.GPU)
        assertEquals(Delegate.GPU, changed.delegate)
        assertEquals(ModelStatus.NotLoaded, changed.model)
        assertNull(changed.activeDelegate)
    }
}
