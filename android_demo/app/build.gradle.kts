import javax.inject.Inject

plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

android {
    namespace = "org.tfp2c.cartoon"
    compileSdk = 35

    defaultConfig {
        applicationId = "org.tfp2c.cartoon"
        minSdk = 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        testInstrumentationRunner = "androidx.test.runner.AndroidJUnitRunner"
    }

    buildTypes {
        release {
            isMinifyEnabled = false
        }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions {
        jvmTarget = "17"
    }
    buildFeatures {
        compose = true
    }
    androidResources {
        // Models are memory-mapped straight from the APK, which needs them stored uncompressed.
        noCompress += listOf("tflite", "task")
    }
}

dependencies {
    implementation(project(":core"))

    implementation(libs.litert)
    implementation(libs.litert.gpu)
    implementation(libs.litert.gpu.api)
    implementation(libs.mediapipe.tasks.vision)

    implementation(libs.camerax.core)
    implementation(libs.camerax.camera2)
    implementation(libs.camerax.lifecycle)
    implementation(libs.camerax.view)

    implementation(platform(libs.compose.bom))
    implementation(libs.compose.ui)
    implementation(libs.compose.material3)
    implementation(libs.compose.ui.tooling.preview)
    debugImplementation(libs.compose.ui.tooling)
    implementation(libs.activity.compose)
    implementation(libs.lifecycle.viewmodel.compose)
    implementation(libs.lifecycle.runtime.compose)
    implementation(libs.core.ktx)
    implementation(libs.exifinterface)
    implementation(libs.coroutines.android)

    // app/src/test: the screen logic (package state) on the JVM; `make android-check` runs them too.
    testImplementation(libs.junit)

    androidTestImplementation(libs.androidx.test.ext.junit)
    androidTestImplementation(libs.androidx.test.runner)
    androidTestImplementation(libs.junit)
}

// The models are not in the repository: scripts/prepare_assets.py copies them (README). Fail
// early with the command rather than building an app that cannot start.
val requiredAssets = listOf("photo2cartoon_fp32.tflite", "face_landmarker.task", "selfie_segmentation.tflite")
val checkModelAssets by tasks.registering {
    val assetDir = layout.projectDirectory.dir("src/main/assets")
    doLast {
        val missing = requiredAssets.filterNot { assetDir.file(it).asFile.isFile }
        if (missing.isNotEmpty()) {
            throw GradleException(
                "Missing model assets in app/src/main/assets: ${missing.joinToString()}. Run: " +
                    "python android_demo/scripts/prepare_assets.py --export-dir <export_tflite.py --out-dir> " +
                    "--face-landmarker <face_landmarker.task> (see android_demo/README.md)",
            )
        }
    }
}
tasks.named("preBuild") { dependsOn(checkModelAssets) }

// Copies the exported generators into the assets without Python (the androidTest golden
// expected.png still needs prepare_assets.py): ./gradlew :app:copyCartoonModels -Pp2c.exportDir=DIR
//
// A plain task rather than Copy: a Copy task resolves its `from` before any action runs, so a
// missing -Pp2c.exportDir failed with Gradle's generic "no value" error (or the task was
// skipped as NO-SOURCE) instead of the message below.
abstract class CopyCartoonModels : DefaultTask() {
    @get:Input
    @get:Optional
    abstract val exportDir: Property<String>

    @get:OutputDirectory
    abstract val assetDir: DirectoryProperty

    @get:Inject
    abstract val files: FileSystemOperations

    @TaskAction
    fun copyModels() {
        val dir = exportDir.orNull
            ?: throw GradleException("pass -Pp2c.exportDir=<export_tflite.py --out-dir> (see android_demo/README.md)")
        val models = File(dir).listFiles { file -> file.name.matches(Regex("photo2cartoon_.*\\.tflite")) }.orEmpty()
        if (models.isEmpty()) {
            throw GradleException("no photo2cartoon_*.tflite in $dir: run export_tflite.py --out-dir $dir first")
        }
        files.copy {
            from(models)
            into(assetDir)
        }
    }
}

tasks.register<CopyCartoonModels>("copyCartoonModels") {
    // Relative paths resolve against app/, as project.file() does.
    exportDir.set(providers.gradleProperty("p2c.exportDir").map { file(it).absolutePath })
    assetDir.set(layout.projectDirectory.dir("src/main/assets"))
    // The export folder's contents are not tracked as inputs: always copy.
    doNotTrackState("copies whatever the export folder holds")
}
