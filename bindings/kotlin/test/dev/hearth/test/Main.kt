// JVM tests of the generated Kotlin against the Linux cdylib (bindings/kotlin/test.sh).
// A plain runner: the CI machine has kotlinc and the JDK but no Gradle or JUnit.
package dev.hearth.test

import dev.hearth.*
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import java.io.File
import java.nio.file.Files
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread

val root: File = File(System.getProperty("hearth.root", ".")).canonicalFile
val models = File(root.parentFile, "shared/models/stories260K")
val gguf = File(models, "stories260K-Q8_0.gguf")

// The greedy continuation of "Once upon a time" (../shared/models/stories260K/reference.json).
val reference: List<UInt> = Regex("\"stories260K-Q8_0.gguf\"\\s*:\\s*\\{\\s*\"greedy_tokens\"\\s*:\\s*\\[([^\\]]*)\\]")
    .find(File(models, "reference.json").readText())!!.groupValues[1].split(",").map { it.trim().toUInt() }

fun greedy(n: UInt = 32u, stopAtEog: Boolean = true) = GenerateOptions(maxTokens = n, temperature = 0f, stopAtEog = stopAtEog)

class Collect(private val limit: Int = Int.MAX_VALUE) : TokenListener {
    val pieces = mutableListOf<String>()
    override fun onToken(text: String): Boolean {
        pieces.add(text)
        return pieces.size < limit
    }
}

fun check(ok: Boolean, what: () -> String) {
    if (!ok) throw AssertionError(what())
}

val engine by lazy { Engine.load(gguf.path, EngineOptions()) }

val tests: List<Pair<String, () -> Unit>> = listOf(
    "load reports progress and info" to {
        val stages = mutableListOf<LoadProgress>()
        val e = Engine.load(gguf.path, EngineOptions(), object : LoadListener {
            override fun onProgress(progress: LoadProgress) { stages.add(progress) }
        })
        check(stages.first().stage == "reading" && stages.last() == LoadProgress("ready", 1f)) { "$stages" }
        val info = e.info()
        check(info.architecture == "llama" && info.vocabSize == 512u && !info.chatTemplate) { "$info" }
    },
    "stream matches the reference" to {
        val listener = Collect()
        val c = engine.newSession().generate("Once upon a time", greedy(), listener)
        check(c.tokens == reference) { "${c.tokens}" }
        check(listener.pieces.joinToString("") == c.text) { c.text }
        check(c.finishReason == FinishReason.LENGTH && c.usage.promptTokens == 5u) { "$c" }
    },
    "defaults are the sdk's" to {
        check(GenerateOptions() == defaultGenerateOptions()) { "${GenerateOptions()} vs ${defaultGenerateOptions()}" }
    },
    "listener returning false stops" to {
        val c = engine.newSession().generate("Once upon a time", greedy(), Collect(limit = 3))
        check(c.finishReason == FinishReason.CANCELLED && c.usage.generatedTokens < 32u) { "$c" }
    },
    "cancel from another thread" to {
        val session = engine.newSession()
        val started = CountDownLatch(1)
        var result: Completion? = null
        val worker = thread {
            result = session.generate("Once upon a time", greedy(400u, stopAtEog = false), object : TokenListener {
                override fun onToken(text: String): Boolean {
                    started.countDown()
                    Thread.sleep(10) // keeps generation running until the cancel arrives
                    return true
                }
            })
        }
        check(started.await(60, TimeUnit.SECONDS)) { "no token" }
        session.cancel()
        worker.join(60_000)
        check(result?.finishReason == FinishReason.CANCELLED) { "$result" }
    },
    "corrupt file is a typed error" to {
        val bad = Files.createTempFile("corrupt", ".gguf").toFile()
        bad.writeBytes("NOPE".toByteArray() + ByteArray(60))
        try {
            Engine.load(bad.path, EngineOptions())
            check(false) { "loaded a corrupt file" }
        } catch (e: HearthException.InvalidModel) {
            check(e.message!!.contains("not a GGUF file")) { e.message!! }
        } finally {
            bad.delete()
        }
    },
    "panic becomes HearthException.Panic" to {
        val session = engine.newSession()
        try {
            session.generate("Once upon a time", greedy(8u), object : TokenListener {
                override fun onToken(text: String): Boolean = throw IllegalStateException("listener bug")
            })
            check(false) { "no error" }
        } catch (e: HearthException.Panic) {
            check(e.message!!.contains("listener bug")) { e.message!! }
        }
        check(session.generate("Once upon a time", greedy()).tokens == reference) { "session did not recover" }
    },
    "two sessions on one engine" to {
        val results = arrayOfNulls<List<UInt>>(2)
        (0..1).map { i -> thread { results[i] = engine.newSession().generate("Once upon a time", greedy()).tokens } }
            .forEach { it.join(120_000) }
        check(results.all { it == reference }) { results.toList().toString() }
    },
    "chat without a template is completion mode" to {
        val msgs = listOf(ChatMessage("system", "Once upon"), ChatMessage("user", "a time"))
        val chat = engine.newSession().chat(msgs, greedy(16u))
        val plain = engine.newSession().generate("Once upon\n\na time", greedy(16u))
        check(chat.tokens == plain.tokens) { "${chat.tokens} vs ${plain.tokens}" }
    },
    "save, restore, reset" to {
        val s = engine.newSession()
        val first = s.generate("Once upon a time", greedy(8u))
        val path = Files.createTempFile("session", ".state").toFile()
        s.saveState(path.path)
        val other = engine.newSession()
        other.restoreState(path.path)
        check(other.cachedTokenCount() == s.cachedTokenCount()) { "restored ${other.cachedTokenCount()}" }
        val resumed = other.generate("Once upon a time" + first.text, greedy(8u))
        check(resumed.usage.cachedTokens > 0u) { "$resumed" }
        s.reset()
        check(s.cachedTokenCount() == 0uL) { "reset kept tokens" }
        path.delete()
    },
    "the README example" to {
        check(readmeExample(gguf.path).tokens == reference) { "README example" }
    },
    "generateAsync in a coroutine" to {
        val c = runBlocking { engine.newSession().generateAsync("Once upon a time", greedy()) }
        check(c.tokens == reference) { "${c.tokens}" }
    },
    "generateFlow streams, and cancelling the collector stops generation" to {
        val session = engine.newSession()
        val all = runBlocking { session.generateFlow("Once upon a time", greedy()).toList() }
        val whole = engine.newSession().generate("Once upon a time", greedy()).text
        check(all.joinToString("") == whole) { "$all" }
        val three = runBlocking { session.generateFlow("Once upon a time", greedy(400u, stopAtEog = false)).take(3).toList() }
        check(three.size == 3) { "$three" }
        // The abandoned generation stopped early: its KV cache holds far fewer than 400 new tokens.
        Thread.sleep(200)
        check(session.cachedTokenCount() < 300uL) { "cached ${session.cachedTokenCount()}" }
    },
)

fun main() {
    check(gguf.exists()) { "$gguf is absent" }
    var passed = 0
    var failed = 0
    for ((name, body) in tests) {
        try {
            body()
            passed++
            println("ok   $name")
        } catch (e: Throwable) {
            failed++
            println("FAIL $name: $e")
            e.printStackTrace()
        }
    }
    println("$passed passed, $failed failed")
    if (failed > 0) kotlin.system.exitProcess(1)
}
