package org.tfp2c.cartoon

import android.graphics.Bitmap

/** ARGB pixels of a bitmap (the layout the core works on). */
fun Bitmap.argbPixels(): IntArray {
    val pixels = IntArray(width * height)
    getPixels(pixels, 0, width, 0, 0, width, height)
    return pixels
}

/** An ARGB_8888 bitmap from pixels of the core. */
fun bitmapOf(pixels: IntArray, width: Int, height: Int): Bitmap =
    Bitmap.createBitmap(pixels, width, height, Bitmap.Config.ARGB_8888)
