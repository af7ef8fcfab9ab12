// The README's Kotlin example, compiled and run by the JVM tests so it stays true.
package dev.hearth.test

import dev.hearth.*
import kotlinx.coroutines.runBlocking

fun readmeExample(path: String): Completion = runBlocking {
    val engine = Engine.loadAsync(path, EngineOptions())
    val session = engine.newSession()
    session.generateFlow("Once upon a time", GenerateOptions(maxTokens = 32u)).collect { print(it) }
    val c = session.generate("Once upon a time", GenerateOptions(maxTokens = 32u, temperature = 0f),
        object : TokenListener { override fun onToken(text: String) = true })
    println("\n${c.finishReason}: ${c.usage.generatedTokens} tokens, ${c.timings.decodeTokensPerS} tok/s")
    c
}
