package org.tfp2c.cartoon.state

import java.io.FileNotFoundException
import java.io.IOException
import kotlin.coroutines.cancellation.CancellationException
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class ErrorMessagesTest {
    /** MediaPipe's exception type is a RuntimeException subclass; this stands in for it. */
    private class FakeMediaPipeException(message: String) : RuntimeException(message)

    @Test
    fun runtimeFailuresOfTheModelLibrariesAreReported() {
        assertEquals("Unable to open face_landmarker.task",
            ErrorMessages.detailFor(FakeMediaPipeException("Unable to open face_landmarker.task")))
        assertEquals("landmarker not initialized", ErrorMessages.detailFor(IllegalStateException("landmarker not initialized")))
        assertEquals("no photo2cartoon metadata", ErrorMessages.detailFor(IllegalArgumentException("no photo2cartoon metadata")))
        assertEquals("cannot open content://x", ErrorMessages.detailFor(IOException("cannot open content://x")))
    }

    @Test
    fun aMissingAssetSaysFileNotFound() {
        assertEquals("file not found: photo2cartoon_fp32.tflite",
            ErrorMessages.detailFor(FileNotFoundException("photo2cartoon_fp32.tflite")))
    }

    @Test
    fun aMissingNativeLibraryIsReportedNotCrashed() {
        assertEquals("no tensorflowlite_jni in java.library.path",
            ErrorMessages.detailFor(UnsatisfiedLinkError("no tensorflowlite_jni in java.library.path")))
    }

    @Test
    fun outOfMemoryGetsItsOwnAdvice() {
        assertEquals("out of memory; try a smaller photo", ErrorMessages.detailFor(OutOfMemoryError()))
    }

    @Test
    fun cancellationAndVmErrorsPropagate() {
        assertNull(ErrorMessages.detailFor(CancellationException("screen closed")))
        assertNull(ErrorMessages.detailFor(StackOverflowError()))
        assertNull(ErrorMessages.detailFor(InternalError("vm")))
        assertNull(ErrorMessages.detailFor(AssertionError("bug")))
    }

    @Test
    fun detailIsOneShortLine() {
        assertEquals("first line", ErrorMessages.oneLine(RuntimeException("\n  first line  \nsecond line")))
        assertEquals("IllegalStateException", ErrorMessages.oneLine(IllegalStateException()))
        assertEquals("IllegalStateException", ErrorMessages.oneLine(IllegalStateException(" \n ")))
        val long = ErrorMessages.oneLine(RuntimeException("x".repeat(500)))
        assertEquals(ErrorMessages.MAX_DETAIL, long.length)
        assertTrue(long.endsWith("…"))
    }
}
