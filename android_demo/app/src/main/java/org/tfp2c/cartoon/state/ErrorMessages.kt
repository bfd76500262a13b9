package org.tfp2c.cartoon.state

import java.io.FileNotFoundException
import kotlin.coroutines.cancellation.CancellationException

/** Which failures become a message on the screen and which are bugs that should crash. */
object ErrorMessages {
    /** Longest detail shown; MediaPipe and LiteRT messages can run to several lines. */
    const val MAX_DETAIL = 200

    /**
     * The one-line detail to show for [error], or null when it must propagate: cancellation
     * (the screen went away) and VM errors other than out-of-memory (stack overflow, internal
     * errors) are not the user's problem to read.
     *
     * Everything else is reported: I/O (an unreadable photo, a missing asset), bad arguments (a
     * model without the exporter's metadata), MediaPipe's runtime exceptions and
     * IllegalStateException (a missing or damaged `face_landmarker.task`), and linkage errors
     * (LiteRT's native library missing for this CPU).
     */
    fun detailFor(error: Throwable): String? = when (error) {
        is CancellationException -> null
        is OutOfMemoryError -> "out of memory; try a smaller photo"
        is VirtualMachineError -> null
        is FileNotFoundException -> "file not found: ${oneLine(error)}"
        is Exception, is LinkageError -> oneLine(error)
        else -> null
    }

    /** The first non-blank line of the message, or the class name when there is none. */
    fun oneLine(error: Throwable): String {
        val line = error.message?.lineSequence()?.map { it.trim() }?.firstOrNull { it.isNotEmpty() }
        val text = line ?: error.javaClass.simpleName
        return if (text.length <= MAX_DETAIL) text else text.take(MAX_DETAIL - 1) + "…"
    }
}
