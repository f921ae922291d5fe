// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "hublot",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "HublotCore", targets: ["HublotCore"]),
        // Libraries only so that the fuzzing package (Fuzz/) can link the servers' parsers.
        .library(name: "HublotClassifier", targets: ["HublotClassifier"]),
        .library(name: "HublotFront", targets: ["HublotFront"]),
        .executable(name: "hublot", targets: ["hublot"]),
        .executable(name: "hublot-classifier", targets: ["hublot-classifier"]),
        .executable(name: "hublot-front", targets: ["hublot-front"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        // C libraries, found through pkg-config (see scripts/install-onnxruntime and docs/building.md).
        .systemLibrary(
            name: "CONNXRuntime", pkgConfig: "libonnxruntime",
            providers: [.apt(["libonnxruntime-dev"])]),
        .systemLibrary(
            name: "CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(
            name: "CSpng", pkgConfig: "spng",
            providers: [.apt(["libspng-dev"])]),

        // The values on the wire (prediction, timings, classification, model list): no dependency, so
        // the front shares them without linking ONNX Runtime.
        .target(name: "HublotAPI"),
        // The project's version (VERSION at the repository root), reported by every program.
        .target(name: "HublotVersion"),

        // The classification engine shared by every Hublot program.
        .target(
            name: "HublotCore",
            dependencies: [
                "HublotAPI", "CONNXRuntime", "CTurboJPEG", "CSpng",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "hublot",
            dependencies: [
                "HublotAPI", "HublotCore", "HublotVersion",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // In-process benchmark of HublotCore against Python onnxruntime and PIL + TF (bench/core/).
        .executableTarget(
            name: "hublot-bench",
            dependencies: [
                "HublotCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // bench/run's in-process ceiling: decode + preprocess + batched inference, no HTTP.
        .executableTarget(
            name: "hublot-bench-pipeline",
            dependencies: [
                "HublotAPI", "HublotCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/pipeline"),

        // The Open Inference Protocol's gRPC service and gRPC's health service: Swift code generated from
        // Protos/ (scripts/generate-grpc) and committed, so that no build needs protoc or the plugins.
        .target(
            name: "OpenInferenceGRPC",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),

        // HTTP pieces both servers share: request ids, access log, metrics, JSON errors.
        .target(
            name: "HublotHTTP",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),

        // The model server.
        .target(
            name: "HublotClassifier",
            dependencies: [
                "HublotAPI", "HublotCore", "HublotHTTP", "HublotVersion", "OpenInferenceGRPC",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources")]),
        .executableTarget(
            name: "hublot-classifier",
            dependencies: [
                "HublotClassifier", "HublotHTTP", "HublotVersion",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // The web site and gateway. Links no ML library.
        .target(
            name: "HublotFront",
            dependencies: [
                "HublotAPI", "HublotHTTP", "HublotVersion",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources")]),
        .executableTarget(
            name: "hublot-front",
            dependencies: [
                "HublotFront", "HublotHTTP", "HublotVersion",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "HublotCoreTests", dependencies: ["HublotAPI", "HublotCore"]),
        .testTarget(
            name: "HublotClassifierTests",
            dependencies: [
                "HublotAPI", "HublotClassifier", "HublotVersion", "OpenInferenceGRPC",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
        .testTarget(
            name: "HublotFrontTests",
            dependencies: [
                "HublotFront", "HublotHTTP", "HublotVersion",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
