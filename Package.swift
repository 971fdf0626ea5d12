// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-gan",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "GANTensor", targets: ["GANTensor"]),
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
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
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
    ],
    swiftLanguageModes: [.v5]
)
