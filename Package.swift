// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "auxsweep",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "auxsweep", targets: ["auxsweep"]),
        .library(name: "NN", targets: ["NN"]),
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
        // The command-line tool: parsing and printing only.
        .executableTarget(
            name: "auxsweep",
            dependencies: [
                "NN",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "NNTests", dependencies: ["NN"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
