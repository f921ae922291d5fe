// swift-tools-version: 6.2
// libFuzzer harnesses for Hublot's parsers (docs/fuzzing.md). A package of its own so that the main
// package's build never sees `-sanitize=fuzzer`; `scripts/fuzz` builds it with
//   swift build --package-path Fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address
// Each harness's main.swift hands its `LLVMFuzzerTestOneInput` to libFuzzer's driver (FuzzDriver).
import PackageDescription

/// SwiftPM names a path dependency after its folder: the repository's folder name, whatever it is.
let hublot = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "hublot")

let package = Package(
    name: "hublot-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // libFuzzer's driver, called from each harness's main.swift.
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzDriver", dependencies: ["CLibFuzzer"]),
        // What the two image harnesses share: header probe, decode and resize, with invariants.
        .target(name: "FuzzImaging", dependencies: [.product(name: "HublotCore", package: hublot)]),
        .executableTarget(name: "FuzzJPEG", dependencies: ["FuzzDriver", "FuzzImaging"]),
        .executableTarget(name: "FuzzPNG", dependencies: ["FuzzDriver", "FuzzImaging"]),
        .executableTarget(
            name: "FuzzV2InferRequest",
            dependencies: ["FuzzDriver", .product(name: "HublotClassifier", package: hublot)]),
        .executableTarget(
            name: "FuzzUploadReader",
            dependencies: [
                "FuzzDriver",
                .product(name: "HublotClassifier", package: hublot),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .executableTarget(
            name: "FuzzUploadForm",
            dependencies: [
                "FuzzDriver",
                .product(name: "HublotFront", package: hublot),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
