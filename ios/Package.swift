// swift-tools-version:5.9
// The Hearth Swift package: the uniffi-generated Swift (copied into Sources/Hearth by
// build-xcframework.sh), the AsyncThrowingStream wrapper, and the Rust library as an
// XCFramework binary target.
import PackageDescription

let package = Package(
    name: "Hearth",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [.library(name: "Hearth", targets: ["Hearth"])],
    targets: [
        .binaryTarget(name: "HearthFFI", path: "HearthFFI.xcframework"),
        .target(name: "Hearth", dependencies: ["HearthFFI"], path: "Sources/Hearth"),
    ]
)
