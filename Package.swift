// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "auxsweep",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "auxsweep", targets: ["auxsweep"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Segmentation", targets: ["Segmentation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // oneDNN (Debian libdnnl-dev): sgemm and primitives for the numeric core.
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // Tensors, layers, loss, optimizer, tensor files: the PyTorch-exact numeric core.
        .target(
            name: "NN",
            dependencies: ["CDNNL"]
        ),
        // PSPNet-mini, synthetic data, metrics, trainer and checkpoints.
        .target(name: "Segmentation", dependencies: ["NN"]),
        // The command-line tool: parsing and printing only.
        .executableTarget(
            name: "auxsweep",
            dependencies: [
                "NN",
                "Segmentation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Tolerances and golden-file loading shared by the test targets.
        .target(name: "TestSupport", dependencies: ["NN"], path: "Tests/TestSupport"),
        .testTarget(name: "NNTests", dependencies: ["NN", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "SegmentationTests", dependencies: ["Segmentation", "NN", "TestSupport"], exclude: ["Fixtures"]),
        // Runs the built binary: exact output, exit codes, files written.
        .testTarget(name: "CLITests", dependencies: ["auxsweep", "NN", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
