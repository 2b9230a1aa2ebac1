// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "auxsweep",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "auxsweep", targets: ["auxsweep"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Segmentation", targets: ["Segmentation"]),
        .library(name: "Sweep", targets: ["Sweep"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        // Tests only: the browser test speaks Chromium's DevTools protocol over a WebSocket.
        .package(url: "https://github.com/hummingbird-project/swift-websocket", from: "1.6.0"),
    ],
    targets: [
        // oneDNN (Debian libdnnl-dev): sgemm and primitives for the numeric core.
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // Tensors, layers, loss, optimizer, tensor files: the PyTorch-exact numeric core.
        .target(
            name: "NN",
            dependencies: ["CDNNL"],
            // AVX2 + FMA (x86-64-v3) for the element-wise kernels: SIMD16 code built for the SSE2
            // baseline ran batch norm backward 1.6x and cross-entropy 1.3x slower (BENCHMARKS.md).
            // The executable checks the CPU before running any of it.
            swiftSettings: [.unsafeFlags(["-target-cpu", "haswell"])]
        ),
        // PNG and JPEG through Debian's libpng and libjpeg-turbo (their longjmp error handling has to
        // stay in C; scripts/bootstrap.sh installs libpng-dev and libjpeg62-turbo-dev).
        .target(
            name: "CImageCodecs",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]
        ),
        // PSPNet-mini, the synthetic and folder data sets, metrics, trainer and checkpoints.
        .target(name: "Segmentation", dependencies: ["NN", "CImageCodecs"]),
        // Sweep files, the parallel scheduler, the results stores (SQLite through GRDB on the system
        // SQLite; PostgreSQL through PostgresNIO), statistics and reports.
        .target(
            name: "Sweep",
            dependencies: [
                "Segmentation", "NN",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // Its pool's error type: an outage longer than a minute trips its circuit breaker.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // `auxsweep serve`: the live dashboard (Hummingbird 2), reading a store read-only.
        .target(
            name: "Dashboard",
            dependencies: [
                "Segmentation",
                "Sweep",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The command-line tool: parsing and printing only.
        .executableTarget(
            name: "auxsweep",
            dependencies: [
                "CDNNL",
                "NN",
                "Segmentation",
                "Sweep",
                "Dashboard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Tolerances, golden-file loading and folder data sets made from the synthetic task, shared by
        // the test targets.
        .target(name: "TestSupport", dependencies: ["NN", "Segmentation"], path: "Tests/TestSupport"),
        .testTarget(name: "NNTests", dependencies: ["NN", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "SegmentationTests", dependencies: ["Segmentation", "NN", "TestSupport"], exclude: ["Fixtures"]),
        // Sweep files, statistics against SciPy, the report's exact output, and the runner and store in
        // process: determinism across workers, resume from checkpoints, failed jobs.
        // The store conformance suite runs against SQLite and a throwaway PostgreSQL server
        // (scripts/test.sh starts it).
        .testTarget(
            name: "SweepTests",
            dependencies: [
                "Sweep", "Segmentation", "NN", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"]
        ),
        // Runs the built binary: exact output, exit codes, files written; kill -9, Ctrl-C and two runs
        // on one database; predict and grad on PyTorch checkpoints; bench's JSON and breakdown.
        // The dashboard's monitor in process: reads shared between any number of askers, versions and
        // changes, the ETA.
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "Sweep", "Segmentation"]),
        // `serve` too: HTTP against the running server, and headless Chromium driven over the DevTools
        // protocol while a sweep runs.
        .testTarget(
            name: "CLITests",
            dependencies: [
                "auxsweep", "NN", "Sweep", "TestSupport",
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
