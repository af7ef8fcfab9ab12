// The Hearth AAR: the uniffi-generated Kotlin (bindings/generated/kotlin, made by
// bindings/generate.sh), the coroutine wrappers (bindings/kotlin/src), JNA, and the
// native library for each ABI in src/main/jniLibs (made by ../build-jnilibs.sh).
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "dev.hearth"
    compileSdk = 35
    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }
    sourceSets["main"].java.srcDirs("../../bindings/generated/kotlin", "../../bindings/kotlin/src")
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
    packaging { jniLibs { useLegacyPackaging = false } }
}

dependencies {
    // The @aar variant carries JNA's own libjnidispatch.so for each ABI.
    api("net.java.dev.jna:jna:5.15.0@aar")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.9.0")
}
