// Minimal SwiftUI sample: streams a story into a Text view. Add the ios/ package to an
// Xcode app target and put a model (e.g. stories260K-Q8_0.gguf) in the app bundle.
import Hearth
import SwiftUI

@main
struct HearthSampleApp: App {
    var body: some Scene { WindowGroup { StoryView() } }
}

struct StoryView: View {
    @State private var text = "Once upon a time"

    var body: some View {
        ScrollView { Text(text).padding() }
            .task {
                do {
                    let path = Bundle.main.path(forResource: "stories260K-Q8_0", ofType: "gguf") ?? "model.gguf"
                    let engine = try await Engine.loadAsync(path: path, options: EngineOptions())
                    for try await piece in try engine.newSession().stream(text, options: GenerateOptions(maxTokens: 200)) {
                        text += piece
                    }
                } catch {
                    text = "Hearth: \(error)"
                }
            }
    }
}
