// Compile-only stub of androidx.lifecycle 2.8.7 (lifecycle-common, lifecycle-viewmodel,
// lifecycle-viewmodel-ktx), from its API reference.
package androidx.lifecycle

import android.app.Application
import androidx.lifecycle.viewmodel.CreationExtras
import compilestub.stub
import kotlinx.coroutines.CoroutineScope

abstract class Lifecycle {
    abstract val currentState: State

    enum class State { DESTROYED, INITIALIZED, CREATED, STARTED, RESUMED }
}

interface LifecycleOwner {
    val lifecycle: Lifecycle
}

interface ViewModelStoreOwner

abstract class ViewModel {
    protected open fun onCleared() {}
}

open class AndroidViewModel(application: Application) : ViewModel() {
    open fun <T : Application> getApplication(): T = stub()
}

val ViewModel.viewModelScope: CoroutineScope
    get() = stub()

open class ViewModelProvider {
    interface Factory {
        fun <T : ViewModel> create(modelClass: Class<T>, extras: CreationExtras): T = stub()
    }
}
