// Coroutines ergonomics over the generated bindings (shipped with them on Android).
package dev.hearth

import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.channels.trySendBlocking
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow

/**
 * Generation as a cold [Flow] of text pieces. Collecting starts it; cancelling the
 * collector cancels generation in Rust (the awaiting `generateAsync` is dropped, which
 * cancels the session). Errors arrive as [HearthException] from `collect`.
 */
fun Session.generateFlow(prompt: String, options: GenerateOptions = GenerateOptions()): Flow<String> =
    streamOf { listener -> generateAsync(prompt, options, listener) }

/** [Session.chat] as a [Flow] of text pieces (see [generateFlow]). */
fun Session.chatFlow(messages: List<ChatMessage>, options: GenerateOptions = GenerateOptions()): Flow<String> =
    streamOf { listener -> chatAsync(messages, options, listener) }

private fun streamOf(call: suspend (TokenListener) -> Completion): Flow<String> = callbackFlow {
    val listener = object : TokenListener {
        // Runs on the generation thread: wait for room in the channel (backpressure);
        // a closed channel (the collector went away) stops generation.
        override fun onToken(text: String): Boolean = trySendBlocking(text).isSuccess
    }
    call(listener)
    close()
    awaitClose()
}
