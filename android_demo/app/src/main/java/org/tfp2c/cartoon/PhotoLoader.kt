package org.tfp2c.cartoon

import android.content.ContentResolver
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.graphics.Matrix
import android.net.Uri
import androidx.exifinterface.media.ExifInterface
import java.io.IOException
import org.tfp2c.cartoon.core.DetectionScale

/**
 * Decodes photos into upright ARGB_8888 bitmaps no larger than [MAX_SIDE].
 *
 * A 50 MP photo would take 200 MB as a bitmap: the decoder subsamples by a power of two first
 * (`inSampleSize`), then the result is scaled to fit. Detection later works on an even smaller
 * copy; the face crop is taken from this one.
 */
object PhotoLoader {
    /** Longer side of the working photo the face crop is taken from. */
    const val MAX_SIDE = 2048

    /** A photo from the gallery or the camera; throws [IOException] when it cannot be decoded. */
    fun load(resolver: ContentResolver, uri: Uri): Bitmap {
        // A bounds-only decode always returns null (it fills outWidth/outHeight instead), so
        // only a null stream means the photo cannot be opened.
        val bounds = BitmapFactory.Options().apply { inJustDecodeBounds = true }
        val stream = resolver.openInputStream(uri) ?: throw IOException("cannot open $uri")
        stream.use { BitmapFactory.decodeStream(it, null, bounds) }
        if (bounds.outWidth <= 0 || bounds.outHeight <= 0) throw IOException("not an image: $uri")
        val options = BitmapFactory.Options().apply {
            inSampleSize = DetectionScale.sampleSize(bounds.outWidth, bounds.outHeight, MAX_SIDE)
            inPreferredConfig = Bitmap.Config.ARGB_8888
        }
        val decoded = resolver.openInputStream(uri)?.use { BitmapFactory.decodeStream(it, null, options) }
            ?: throw IOException("cannot decode $uri")
        val orientation = resolver.openInputStream(uri)?.use {
            ExifInterface(it).getAttributeInt(ExifInterface.TAG_ORIENTATION, ExifInterface.ORIENTATION_NORMAL)
        } ?: ExifInterface.ORIENTATION_NORMAL
        return fit(upright(decoded, orientation))
    }

    /** Scales [photo] down so its longer side is at most [MAX_SIDE]; ARGB_8888, software. */
    fun fit(photo: Bitmap): Bitmap {
        val size = DetectionScale.targetSize(photo.width, photo.height, MAX_SIDE)
        val scaled = if (size[0] == photo.width && size[1] == photo.height) photo
        else Bitmap.createScaledBitmap(photo, size[0], size[1], true)
        return if (scaled.config == Bitmap.Config.ARGB_8888) scaled else scaled.copy(Bitmap.Config.ARGB_8888, false)
    }

    /** Rotates by [degrees] clockwise (camera frames carry their rotation separately). */
    fun rotate(photo: Bitmap, degrees: Int): Bitmap {
        if (degrees % 360 == 0) return photo
        val matrix = Matrix().apply { postRotate(degrees.toFloat()) }
        return Bitmap.createBitmap(photo, 0, 0, photo.width, photo.height, matrix, true)
    }

    private fun upright(bitmap: Bitmap, orientation: Int): Bitmap {
        val matrix = Matrix()
        when (orientation) {
            ExifInterface.ORIENTATION_ROTATE_90 -> matrix.postRotate(90f)
            ExifInterface.ORIENTATION_ROTATE_180 -> matrix.postRotate(180f)
            ExifInterface.ORIENTATION_ROTATE_270 -> matrix.postRotate(270f)
            ExifInterface.ORIENTATION_FLIP_HORIZONTAL -> matrix.postScale(-1f, 1f)
            ExifInterface.ORIENTATION_FLIP_VERTICAL -> matrix.postScale(1f, -1f)
            ExifInterface.ORIENTATION_TRANSPOSE -> { matrix.postRotate(90f); matrix.postScale(-1f, 1f) }
            ExifInterface.ORIENTATION_TRANSVERSE -> { matrix.postRotate(270f); matrix.postScale(-1f, 1f) }
            else -> return bitmap
        }
        return Bitmap.createBitmap(bitmap, 0, 0, bitmap.width, bitmap.height, matrix, true)
    }
}
