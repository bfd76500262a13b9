package org.tfp2c.cartoon.state

import java.io.Closeable
import java.io.IOException
import org.junit.Assert.assertEquals
import org.junit.Assert.assertSame
import org.junit.Assert.fail
import org.junit.Test

class CloseableGroupTest {
    private val closed = mutableListOf<String>()

    private inner class Model(val name: String, private val failOnClose: Boolean = false) : Closeable {
        override fun close() {
            closed += name
            if (failOnClose) throw IOException("closing $name")
        }
    }

    @Test
    fun whenALaterModelFailsToLoadTheEarlierOnesAreClosedLastFirst() {
        val loadError = IllegalStateException("face_landmarker.task missing")
        try {
            CloseableGroup.building { group ->
                group.add(Model("generator"))
                group.add(Model("gpu delegate"))
                throw loadError
            }
        } catch (error: IllegalStateException) {
            assertSame(loadError, error)
        }
        assertEquals(listOf("gpu delegate", "generator"), closed)
    }

    @Test
    fun aCloseFailureDuringCleanupIsSuppressedOntoTheLoadError() {
        val loadError = IllegalStateException("segmenter missing")
        try {
            CloseableGroup.building { group ->
                group.add(Model("generator", failOnClose = true))
                throw loadError
            }
        } catch (error: IllegalStateException) {
            assertSame(loadError, error)
            assertEquals("closing generator", error.suppressed.single().message)
        }
        assertEquals(listOf("generator"), closed)
    }

    @Test
    fun nothingIsClosedWhenLoadingSucceeds() {
        val group = CloseableGroup.building { group ->
            group.add(Model("generator"))
            group.add(Model("segmenter"))
            group
        }
        assertEquals(emptyList<String>(), closed)
        group.close()
        assertEquals(listOf("segmenter", "generator"), closed)
    }

    @Test
    fun closeReachesEveryMemberAndRethrowsTheFirstFailure() {
        val group = CloseableGroup()
        group.add(Model("generator", failOnClose = true))
        group.add(Model("landmarker", failOnClose = true))
        group.add(Model("segmenter"))
        try {
            group.close()
            fail("expected IOException")
        } catch (error: IOException) {
            assertEquals("closing landmarker", error.message)
            assertEquals("closing generator", error.suppressed.single().message)
        }
        assertEquals(listOf("segmenter", "landmarker", "generator"), closed)
        group.close() // closing twice closes nothing twice
        assertEquals(3, closed.size)
    }
}
