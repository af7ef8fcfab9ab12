// Swift concurrency over the generated bindings: generation as an AsyncThrowingStream.
// (No Swift toolchain on the CI machine: this file is compiled only on a Mac.)
import Foundation

/// Forwards each piece to the stream; a terminated stream (the consumer stopped
/// iterating or its task was cancelled) stops generation.
final class StreamListener: TokenListener, @unchecked Sendable {
    private let continuation: AsyncThrowingStream<String, Error>.Continuation

    init(_ continuation: AsyncThrowingStream<String, Error>.Continuation) {
        self.continuation = continuation
    }

    func onToken(text: String) -> Bool {
        if case .terminated = continuation.yield(text) { return false }
        return true
    }
}

public extension Session {
    /// Generated text pieces as they come; errors are thrown as `HearthError`.
    func stream(_ prompt: String, options: GenerateOptions = GenerateOptions()) -> AsyncThrowingStream<String, Error> {
        streamOf { try await self.generateAsync(prompt: prompt, options: options, listener: $0) }
    }

    /// A chat answer's text pieces as they come.
    func streamChat(_ messages: [ChatMessage], options: GenerateOptions = GenerateOptions()) -> AsyncThrowingStream<String, Error> {
        streamOf { try await self.chatAsync(messages: messages, options: options, listener: $0) }
    }

    private func streamOf(_ call: @escaping @Sendable (TokenListener) async throws -> Completion) -> AsyncThrowingStream<String, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    _ = try await call(StreamListener(continuation))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in
                task.cancel()
                self.cancel()
            }
        }
    }
}
