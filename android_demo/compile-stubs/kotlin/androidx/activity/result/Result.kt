// Compile-only stub of androidx.activity:activity 1.9.3, androidx.activity.result.
package androidx.activity.result

import androidx.activity.result.contract.ActivityResultContracts.PickVisualMedia
import compilestub.stub

abstract class ActivityResultLauncher<I> {
    fun launch(input: I): Unit = stub()
}

class PickVisualMediaRequest internal constructor() {
    val mediaType: PickVisualMedia.VisualMediaType get() = stub()
}

fun PickVisualMediaRequest(
    mediaType: PickVisualMedia.VisualMediaType = PickVisualMedia.ImageAndVideo,
): PickVisualMediaRequest = stub()
