// Compile-only stub of androidx.activity:activity 1.9.3 (ComponentActivity, viewModels,
// enableEdgeToEdge), from its API reference.
package androidx.activity

import android.app.Activity
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.ViewModel
import androidx.lifecycle.ViewModelProvider
import androidx.lifecycle.ViewModelStoreOwner
import androidx.lifecycle.viewmodel.CreationExtras
import compilestub.stub

open class ComponentActivity : Activity(), LifecycleOwner, ViewModelStoreOwner {
    override val lifecycle: Lifecycle get() = stub()
}

class SystemBarStyle private constructor() {
    companion object {
        @JvmStatic
        fun auto(lightScrim: Int, darkScrim: Int): SystemBarStyle = stub()
    }
}

@JvmName("enable")
fun ComponentActivity.enableEdgeToEdge(
    statusBarStyle: SystemBarStyle = SystemBarStyle.auto(0, 0),
    navigationBarStyle: SystemBarStyle = SystemBarStyle.auto(0, 0),
): Unit = stub()

inline fun <reified VM : ViewModel> ComponentActivity.viewModels(
    noinline extrasProducer: (() -> CreationExtras)? = null,
    noinline factoryProducer: (() -> ViewModelProvider.Factory)? = null,
): Lazy<VM> = stub()
