// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-gan",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "GANTensor", targets: ["GANTensor"]),
        .library(name: "GANLayers", targets: ["GANLayers"]),
        .library(name: "GANData", targets: ["GANData"]),
        .library(name: "GANMetrics", targets: ["GANMetrics"]),
        .executable(name: "gan", targets: ["gan"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Raw-memory kernels in C: per-function `target` attributes and run-time CPU
        // dispatch give AVX-512/AVX2 code without unsafe flags (see ARCHITECTURE.md).
        .target(
            name: "GANKernels",
            path: "Sources/GANTensor/Kernels/C"
        ),
        .target(
            name: "GANTensor",
            dependencies: ["GANKernels"],
            exclude: ["Kernels/C"]
        ),
        .executableTarget(
            name: "gan",
            dependencies: [
                "GANTensor",
                "GANModels",
                "GANMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // GANData: system libraries (pkg-config, apt/brew hints), the C codec shim that keeps
        // libpng/libjpeg longjmp errors on the C side, and the Swift module.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg-dev"]), .brew(["jpeg-turbo"])]),
        .target(
            name: "CGANImage",
            dependencies: ["CZlib", "CPNG", "CJPEG"],
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("z")]
        ),
        .target(
            name: "GANData",
            dependencies: ["GANTensor", "CGANImage"]
        ),
        .testTarget(
            name: "GANDataTests",
            dependencies: ["GANData", "GANTestSupport"]
        ),
        .target(
            name: "GANTestSupport",
            dependencies: ["GANTensor"],
            path: "Tests/GANTestSupport"
        ),
        .testTarget(
            name: "GANTensorTests",
            dependencies: ["GANTensor", "GANTestSupport"]
        ),
        .target(
            name: "GANLayers",
            dependencies: ["GANTensor"]
        ),
        .testTarget(
            name: "GANLayersTests",
            dependencies: ["GANLayers", "GANTestSupport"]
        ),
        .target(
            name: "GANModels",
            dependencies: ["GANTensor", "GANLayers", "GANData"]
        ),
        .testTarget(
            name: "GANModelsTests",
            dependencies: ["GANModels", "GANTestSupport"]
        ),
        // The committed classifier weights, compiled into the binary with C23 `#embed`: a `gan`
        // copied out of .build runs without a resource bundle beside it.
        .target(
            name: "GANClassifierWeights",
            path: "Sources/GANMetrics/Classifier/Weights",
            exclude: ["fashion-mnist-classifier.safetensors"]
        ),
        .target(
            name: "GANMetrics",
            dependencies: ["GANTensor", "GANLayers", "GANData", "GANClassifierWeights"],
            exclude: ["Classifier/Weights"]
        ),
        .testTarget(
            name: "GANMetricsTests",
            dependencies: ["GANMetrics", "GANTestSupport"]
        ),
        // Runs the built `gan` binary (.build/release/gan): every option applied or refused.
        .testTarget(
            name: "CLITests",
            dependencies: ["GANTensor", "GANData", "GANLayers"]
        ),
    ],
    swiftLanguageModes: [.v5]
)
