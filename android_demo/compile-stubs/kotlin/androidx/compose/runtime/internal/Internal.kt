// Compile-only stub of androidx.compose.runtime:runtime 1.7.6, internal package: the lambda
// wrappers and class annotations the Compose compiler plugin emits calls to.
package androidx.compose.runtime.internal

import androidx.compose.runtime.Composable
import androidx.compose.runtime.Composer
import androidx.compose.runtime.Stable
import compilestub.stub

@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.CLASS)
annotation class StabilityInferred(val parameters: Int)

@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.FUNCTION)
annotation class FunctionKeyMeta(val key: Int, val startOffset: Int, val endOffset: Int)

@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.CLASS)
annotation class FunctionKeyMetaClass(val file: String)

@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.CLASS)
annotation class LiveLiteralFileInfo(val file: String)

@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.PROPERTY)
annotation class LiveLiteralInfo(val key: String, val offset: Int)

@Stable
interface ComposableLambda :
    Function2<Composer, Int, Any?>,
    Function3<Any?, Composer, Int, Any?>,
    Function4<Any?, Any?, Composer, Int, Any?>,
    Function5<Any?, Any?, Any?, Composer, Int, Any?>

fun composableLambda(composer: Composer, key: Int, tracked: Boolean, block: Any): ComposableLambda = stub()
/** Composable itself: the plugin adds its Composer parameter. */
@Composable
fun rememberComposableLambda(key: Int, tracked: Boolean, block: Any): ComposableLambda = stub()
fun composableLambdaInstance(key: Int, tracked: Boolean, block: Any): ComposableLambda = stub()
