package org.tfp2c.cartoon.state

import java.io.Closeable

/**
 * Closeables opened one after another and closed together, last first.
 *
 * [building] closes what was already opened when a later step throws (a model that fails to
 * load must not leak the interpreter and GPU delegate opened before it). [close] closes every
 * member even when one of them throws, then rethrows the first failure with the others
 * suppressed.
 */
class CloseableGroup : Closeable {
    private val members = ArrayDeque<Closeable>()

    fun <T : Closeable> add(member: T): T {
        members.addLast(member)
        return member
    }

    override fun close() {
        var failure: Throwable? = null
        while (members.isNotEmpty()) {
            try {
                members.removeLast().close()
            } catch (error: Throwable) {
                if (failure == null) failure = error else failure.addSuppressed(error)
            }
        }
        if (failure != null) throw failure
    }

    companion object {
        /** Runs [open] with a new group; if it throws, the group is closed before rethrowing. */
        inline fun <R> building(open: (CloseableGroup) -> R): R {
            val group = CloseableGroup()
            try {
                return open(group)
            } catch (error: Throwable) {
                try {
                    group.close()
                } catch (closeError: Throwable) {
                    error.addSuppressed(closeError)
                }
                throw error
            }
        }
    }
}
