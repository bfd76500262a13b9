// Compile-only stub of androidx.compose.runtime:runtime 1.7.6 (Compose BOM 2024.12.01), from
// its API reference: the annotations, state and effect APIs the app uses, plus the Composer
// surface the Compose compiler plugin's lowering calls into.
package androidx.compose.runtime

import compilestub.stub
import kotlin.reflect.KProperty
import kotlinx.coroutines.CoroutineScope

@MustBeDocumented
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.TYPE, AnnotationTarget.TYPE_PARAMETER, AnnotationTarget.PROPERTY_GETTER)
annotation class Composable

@MustBeDocumented
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.PROPERTY_GETTER)
annotation class ReadOnlyComposable

@MustBeDocumented
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.PROPERTY_GETTER)
annotation class NonRestartableComposable

@MustBeDocumented
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.PROPERTY_GETTER)
annotation class NonSkippableComposable

@MustBeDocumented
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.PROPERTY_GETTER)
annotation class ExplicitGroupsComposable

@MustBeDocumented
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.TYPE, AnnotationTarget.PROPERTY_GETTER)
annotation class DisallowComposableCalls

@MustBeDocumented
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.ANNOTATION_CLASS)
annotation class StableMarker

@MustBeDocumented
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.CLASS, AnnotationTarget.FUNCTION, AnnotationTarget.PROPERTY_GETTER, AnnotationTarget.PROPERTY)
@StableMarker
annotation class Stable

@MustBeDocumented
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.CLASS)
@StableMarker
annotation class Immutable

@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.PROPERTY_GETTER, AnnotationTarget.TYPE, AnnotationTarget.TYPE_PARAMETER)
annotation class ComposableTarget(val applier: String)

@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.FUNCTION, AnnotationTarget.PROPERTY_GETTER, AnnotationTarget.TYPE, AnnotationTarget.TYPE_PARAMETER)
annotation class ComposableOpenTarget(val index: Int)

@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.FUNCTION)
annotation class ComposableInferredTarget(val scheme: String)

@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.ANNOTATION_CLASS)
annotation class ComposableTargetMarker(val description: String = "")

/** The plugin refuses to lower without this; 12900 is 1.7.0-beta02 in the plugin's own table. */
internal object ComposeVersion {
    const val version: Int = 12900
}

interface Applier<N>

interface RecomposeScope {
    fun invalidate()
}

interface ScopeUpdateScope {
    fun updateScope(block: (Composer, Int) -> Unit)
}

abstract class CompositionContext internal constructor()

sealed interface Composer {
    val applier: Applier<*>
    val inserting: Boolean
    val skipping: Boolean
    val defaultsInvalid: Boolean
    val recomposeScope: RecomposeScope?
    val recomposeScopeIdentity: Any?
    val compoundKeyHash: Int

    fun startReplaceableGroup(key: Int)
    fun endReplaceableGroup()
    fun startReplaceGroup(key: Int)
    fun endReplaceGroup()
    fun startMovableGroup(key: Int, dataKey: Any?)
    fun endMovableGroup()
    fun startDefaults()
    fun endDefaults()
    fun startRestartGroup(key: Int): Composer
    fun endRestartGroup(): ScopeUpdateScope?
    fun startReusableGroup(key: Int, dataKey: Any?)
    fun endReusableGroup()
    fun disableReusing()
    fun enableReusing()
    fun startReusableNode()
    fun startNode()
    fun <T> createNode(factory: () -> T)
    fun useNode()
    fun endNode()
    fun <V, T> apply(value: V, block: T.(V) -> Unit)
    fun joinKey(left: Any?, right: Any?): Any
    fun skipToGroupEnd()
    fun skipCurrentGroup()
    fun deactivateToEndGroup(changed: Boolean)
    fun shouldExecute(parametersChanged: Boolean, flags: Int): Boolean
    fun rememberedValue(): Any?
    fun updateRememberedValue(value: Any?)
    fun changed(value: Any?): Boolean
    fun changedInstance(value: Any?): Boolean
    fun changed(value: Char): Boolean
    fun changed(value: Byte): Boolean
    fun changed(value: Short): Boolean
    fun changed(value: Boolean): Boolean
    fun changed(value: Float): Boolean
    fun changed(value: Long): Boolean
    fun changed(value: Double): Boolean
    fun changed(value: Int): Boolean
    fun <T> consume(key: CompositionLocal<T>): T
    fun recordUsed(scope: RecomposeScope)
    fun collectParameterInformation()
    fun sourceInformation(sourceInformation: String)
    fun sourceInformationMarkerStart(key: Int, sourceInformation: String)
    fun sourceInformationMarkerEnd()

    companion object {
        val Empty: Any = Any()
    }
}

inline fun <T> Composer.cache(invalid: Boolean, block: @DisallowComposableCalls () -> T): T {
    @Suppress("UNCHECKED_CAST")
    return rememberedValue().let {
        if (invalid || it === Composer.Empty) block().also { value -> updateRememberedValue(value) } else it as T
    }
}

fun sourceInformation(composer: Composer, sourceInformation: String): Unit = stub()
fun sourceInformationMarkerStart(composer: Composer, key: Int, sourceInformation: String): Unit = stub()
fun sourceInformationMarkerEnd(composer: Composer): Unit = stub()
fun isTraceInProgress(): Boolean = stub()
fun traceEventStart(key: Int, dirty1: Int, dirty2: Int, info: String): Unit = stub()
fun traceEventEnd(): Unit = stub()

val currentComposer: Composer
    @ReadOnlyComposable @Composable get() = stub()

@Composable
inline fun <T> remember(crossinline calculation: @DisallowComposableCalls () -> T): T =
    currentComposer.cache(false, calculation)

@Composable
inline fun <T> remember(key1: Any?, crossinline calculation: @DisallowComposableCalls () -> T): T =
    currentComposer.cache(currentComposer.changed(key1), calculation)

@Composable
inline fun <T> remember(key1: Any?, key2: Any?, crossinline calculation: @DisallowComposableCalls () -> T): T =
    currentComposer.cache(currentComposer.changed(key1) or currentComposer.changed(key2), calculation)

@Composable
inline fun <T> remember(
    key1: Any?,
    key2: Any?,
    key3: Any?,
    crossinline calculation: @DisallowComposableCalls () -> T,
): T = currentComposer.cache(
    currentComposer.changed(key1) or currentComposer.changed(key2) or currentComposer.changed(key3),
    calculation,
)

@Composable
inline fun <T> remember(vararg keys: Any?, crossinline calculation: @DisallowComposableCalls () -> T): T {
    var invalid = false
    for (key in keys) invalid = invalid or currentComposer.changed(key)
    return currentComposer.cache(invalid, calculation)
}

@Stable
interface State<out T> {
    val value: T
}

@Stable
interface MutableState<T> : State<T> {
    override var value: T
    operator fun component1(): T
    operator fun component2(): (T) -> Unit
}

interface SnapshotMutationPolicy<T> {
    fun equivalent(a: T, b: T): Boolean
}

fun <T> structuralEqualityPolicy(): SnapshotMutationPolicy<T> = stub()

fun <T> mutableStateOf(value: T, policy: SnapshotMutationPolicy<T> = structuralEqualityPolicy()): MutableState<T> = stub()

@Suppress("NOTHING_TO_INLINE")
inline operator fun <T> State<T>.getValue(thisObj: Any?, property: KProperty<*>): T = value

@Suppress("NOTHING_TO_INLINE")
inline operator fun <T> MutableState<T>.setValue(thisObj: Any?, property: KProperty<*>, value: T) {
    this.value = value
}

@Stable
sealed class CompositionLocal<T> {
    inline val current: T
        @ReadOnlyComposable @Composable get() = currentComposer.consume(this)
}

@Stable
abstract class ProvidableCompositionLocal<T> internal constructor() : CompositionLocal<T>()

interface DisposableEffectResult {
    fun dispose()
}

class DisposableEffectScope {
    inline fun onDispose(crossinline onDisposeEffect: () -> Unit): DisposableEffectResult =
        object : DisposableEffectResult {
            override fun dispose() = onDisposeEffect()
        }
}

@Composable
@NonRestartableComposable
fun DisposableEffect(key1: Any?, effect: DisposableEffectScope.() -> DisposableEffectResult): Unit = stub()

@Composable
@NonRestartableComposable
fun LaunchedEffect(key1: Any?, block: suspend CoroutineScope.() -> Unit): Unit = stub()

