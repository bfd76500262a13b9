// Platform-free core (pure Java 11, no Android classes): geometry, tensors, compositing and
// metadata shared by the app, unit-tested on any JVM against goldens written by Python.
plugins {
    `java-library`
}

java {
    sourceCompatibility = JavaVersion.VERSION_11
    targetCompatibility = JavaVersion.VERSION_11
}

dependencies {
    testImplementation(libs.junit)
}

tasks.test {
    // Goldens default to src/test/resources/goldens. ExportedModelMetadataTest needs a real
    // export: `python android_demo/scripts/make_goldens.py --out D --tflite-dir M`, then
    // `./gradlew :core:test -Pp2c.goldens=D -Pp2c.tflite=M/photo2cartoon_fp32.tflite`.
    val goldens = providers.gradleProperty("p2c.goldens").orNull
    val tflite = providers.gradleProperty("p2c.tflite").orNull
    if (goldens != null) systemProperty("p2c.goldens", goldens)
    if (goldens != null && tflite != null) {
        systemProperty("p2c.tflite", tflite)
    } else {
        exclude("**/ExportedModelMetadataTest.class")
    }
}
