package org.tfp2c.cartoon

import android.graphics.Bitmap
import android.net.Uri
import androidx.test.ext.junit.runners.AndroidJUnit4
import androidx.test.platform.app.InstrumentationRegistry
import java.io.File
import java.io.FileOutputStream
import java.io.IOException
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import org.junit.Test
import org.junit.runner.RunWith

/** Gallery photos through [PhotoLoader.load], as the picker hands them over (a content or file URI). */
@RunWith(AndroidJUnit4::class)
class PhotoLoaderTest {
    private val context = InstrumentationRegistry.getInstrumentation().targetContext

    private fun photoFile(name: String, width: Int, height: Int): Uri {
        val bitmap = Bitmap.createBitmap(width, height, Bitmap.Config.ARGB_8888).apply { eraseColor(0xFF336699.toInt()) }
        val file = File(context.cacheDir, name)
        FileOutputStream(file).use { assertTrue(bitmap.compress(Bitmap.CompressFormat.PNG, 100, it)) }
        return Uri.fromFile(file)
    }

    @Test
    fun decodesAPickedPhoto() {
        // Every pick used to fail: the bounds-only decode returns null, which was taken for
        // "cannot open".
        val photo = PhotoLoader.load(context.contentResolver, photoFile("small.png", 640, 480))
        assertEquals(640, photo.width)
        assertEquals(480, photo.height)
        assertEquals(Bitmap.Config.ARGB_8888, photo.config)
    }

    @Test
    fun largePhotosAreScaledToTheWorkingSize() {
        val photo = PhotoLoader.load(context.contentResolver, photoFile("large.png", 4000, 3000))
        assertEquals(PhotoLoader.MAX_SIDE, maxOf(photo.width, photo.height))
    }

    @Test
    fun aFileThatIsNoImageGivesIOException() {
        val file = File(context.cacheDir, "not_an_image.png").apply { writeText("not an image") }
        try {
            PhotoLoader.load(context.contentResolver, Uri.fromFile(file))
            fail("expected IOException")
        } catch (expected: IOException) {
            assertTrue(expected.message!!.contains("not an image"))
        }
    }
}
