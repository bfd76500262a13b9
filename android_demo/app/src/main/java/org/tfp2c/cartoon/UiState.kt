package org.tfp2c.cartoon

import android.graphics.Bitmap
import org.tfp2c.cartoon.state.ScreenState

/**
 * Everything the screen shows, produced by [MainViewModel]. The fields and transitions live in
 * the platform-free [ScreenState] (unit-tested on the JVM); the app's images are bitmaps.
 */
typealias UiState = ScreenState<Bitmap>
