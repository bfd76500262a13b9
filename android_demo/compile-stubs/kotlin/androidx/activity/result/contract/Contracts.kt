// Compile-only stub of androidx.activity:activity 1.9.3, androidx.activity.result.contract.
package androidx.activity.result.contract

import android.content.Context
import android.content.Intent
import android.net.Uri
import androidx.activity.result.PickVisualMediaRequest
import compilestub.stub

abstract class ActivityResultContract<I, O> {
    abstract fun createIntent(context: Context, input: I): Intent
    abstract fun parseResult(resultCode: Int, intent: Intent?): O
}

class ActivityResultContracts private constructor() {
    open class PickVisualMedia : ActivityResultContract<PickVisualMediaRequest, Uri?>() {
        override fun createIntent(context: Context, input: PickVisualMediaRequest): Intent = stub()
        final override fun parseResult(resultCode: Int, intent: Intent?): Uri? = stub()

        sealed interface VisualMediaType
        object ImageOnly : VisualMediaType
        object VideoOnly : VisualMediaType
        object ImageAndVideo : VisualMediaType
    }

    class RequestPermission : ActivityResultContract<String, Boolean>() {
        override fun createIntent(context: Context, input: String): Intent = stub()
        override fun parseResult(resultCode: Int, intent: Intent?): Boolean = stub()
    }
}
