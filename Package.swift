// swift-tools-version: 6.0
import PackageDescription

/// NetGPT: an edge-site daemon (`netgptd`) and admin CLI (`netgpt`) that store network telemetry,
/// run a small LLM in-process (EdgeLLM) and turn predictions and intents into audited actions.
let package = Package(
    name: "netgpt",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "netgptd", targets: ["netgptd"]),
        .executable(name: "netgpt", targets: ["netgpt"]),
        .library(name: "EdgeLLM", targets: ["EdgeLLM"]),
        .library(name: "NetGPTCore", targets: ["NetGPTCore"]),
        .library(name: "NetGPTPolicy", targets: ["NetGPTPolicy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // MARK: EdgeLLM (issue 4): GGUF inference engine; knows nothing of networks.
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3"])]
        ),
        .target(
            name: "EdgeLLM",
            dependencies: ["CKernels"]
        ),
        .testTarget(
            name: "EdgeLLMTests",
            dependencies: ["EdgeLLM"],
            exclude: ["Fixtures"]
        ),

        // MARK: Daemon foundation (issue 2) and the network layers on top of it.
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // sd_notify, watchdog, journald log handler, signals.
        .target(
            name: "NetGPTSystemd",
            dependencies: [
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // SQLite store: migrations (from migrations/), records, queries.
        .target(
            name: "NetGPTStore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Policy documents, rule evaluation, guards, conflicts, executors (issue 3).
        .target(
            name: "NetGPTPolicy",
            dependencies: [
                "NetGPTStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Ingest, HTTP API, configuration and the daemon's composition root.
        .target(
            name: "NetGPTCore",
            dependencies: [
                "NetGPTSystemd",
                "NetGPTStore",
                "NetGPTPolicy",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "netgptd",
            dependencies: [
                "NetGPTCore",
                "NetGPTSystemd",
                "NetGPTPolicy",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "netgpt",
            dependencies: [
                "NetGPTCore",
                "NetGPTStore",
                "NetGPTPolicy",
                "EdgeLLM",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "NetGPTCoreTests",
            dependencies: [
                "NetGPTCore",
                "NetGPTSystemd",
                "NetGPTStore",
                "NetGPTPolicy",
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)
