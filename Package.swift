// swift-tools-version:6.0
// tracehound: the agent-trace monitor (daemon `tracehound`) and its central store (`tracehound-collector`).
// Dependencies point one way: executables → Agent / Collector → Filter, Sources, Spool, Forward → Config, Core →
// Posix → C targets. Each C library is imported by exactly one module (see docs/ARCHITECTURE.md).
import PackageDescription

/// One system-library target per C library: a module map over `shim.h`, its pkg-config name, its Debian package.
func systemLibrary(_ name: String, pkgConfig: String, apt: String) -> Target {
    .systemLibrary(name: name, pkgConfig: pkgConfig, providers: [.apt([apt])])
}

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "tracehound",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tracehound", targets: ["tracehound"]),
        .executable(name: "tracehound-collector", targets: ["tracehound-collector"]),
    ],
    targets: [
        systemLibrary("CSystemd", pkgConfig: "libsystemd", apt: "libsystemd-dev"),
        systemLibrary("CLZ4", pkgConfig: "liblz4", apt: "liblz4-dev"),
        systemLibrary("CVectorscan", pkgConfig: "libhs", apt: "libvectorscan-dev"),
        systemLibrary("CCurl", pkgConfig: "libcurl", apt: "libcurl4-openssl-dev"),
        systemLibrary("CYAML", pkgConfig: "yaml-0.1", apt: "libyaml-dev"),
        systemLibrary("CMicroHTTPD", pkgConfig: "libmicrohttpd", apt: "libmicrohttpd-dev"),
        systemLibrary("CSQLite", pkgConfig: "sqlite3", apt: "libsqlite3-dev"),
        systemLibrary("CPostgres", pkgConfig: "libpq", apt: "libpq-dev"),
        systemLibrary("CPCRE2", pkgConfig: "libpcre2-8", apt: "libpcre2-dev"),

        .target(name: "TracehoundPosix", swiftSettings: strict),
        .target(name: "TracehoundSystemd", dependencies: ["CSystemd", "TracehoundPosix"], swiftSettings: strict),
        .target(name: "TracehoundCore", dependencies: ["CLZ4", "TracehoundPosix"], swiftSettings: strict),
        .target(name: "TracehoundConfig", dependencies: ["CYAML", "TracehoundCore"], swiftSettings: strict),
        .target(
            name: "TracehoundSources",
            dependencies: ["TracehoundConfig", "TracehoundCore", "TracehoundPosix"],
            swiftSettings: strict
        ),
        .target(
            name: "TracehoundSpool",
            dependencies: ["TracehoundConfig", "TracehoundCore", "TracehoundPosix"],
            swiftSettings: strict
        ),
        .target(name: "TracehoundFilter", dependencies: ["CVectorscan", "TracehoundConfig"], swiftSettings: strict),
        .target(name: "TracehoundForward", dependencies: ["CCurl", "TracehoundConfig"], swiftSettings: strict),
        .target(
            name: "TracehoundCollector",
            dependencies: [
                "CMicroHTTPD", "CSQLite", "CPostgres", "TracehoundCLI", "TracehoundConfig", "TracehoundCore",
                "TracehoundPosix",
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TracehoundCLI",
            dependencies: ["TracehoundConfig", "TracehoundCore", "TracehoundSystemd"],
            swiftSettings: strict
        ),
        .target(
            name: "TracehoundAgent",
            dependencies: [
                "TracehoundCLI", "TracehoundConfig", "TracehoundCore", "TracehoundFilter", "TracehoundForward",
                "TracehoundPosix", "TracehoundSources", "TracehoundSpool",
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tracehound",
            dependencies: ["TracehoundAgent", "TracehoundCLI", "TracehoundConfig", "TracehoundCore"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tracehound-collector",
            dependencies: ["TracehoundCLI", "TracehoundConfig", "TracehoundCollector"],
            swiftSettings: strict
        ),

        .executableTarget(
            name: "tracehound-bench",
            dependencies: [
                "TracehoundCollector", "TracehoundConfig", "TracehoundCore", "TracehoundFilter", "TracehoundForward",
                "TracehoundPosix",
            ],
            path: "Sources/tracehound-bench",
            swiftSettings: strict
        ),

        .target(name: "TracehoundTestKit", dependencies: ["TracehoundPosix"], path: "Tests/TracehoundTestKit"),
        .testTarget(name: "TracehoundPosixTests", dependencies: ["TracehoundPosix", "TracehoundTestKit"]),
        .testTarget(name: "TracehoundSystemdTests", dependencies: ["TracehoundSystemd", "TracehoundTestKit"]),
        .testTarget(name: "TracehoundCoreTests", dependencies: ["TracehoundCore", "TracehoundTestKit"]),
        .testTarget(name: "TracehoundConfigTests", dependencies: ["TracehoundConfig", "TracehoundTestKit"]),
        .testTarget(name: "TracehoundSpoolTests", dependencies: ["TracehoundSpool", "TracehoundTestKit"]),
        .testTarget(name: "TracehoundSourcesTests", dependencies: ["TracehoundSources", "TracehoundTestKit"]),
        .testTarget(
            name: "TracehoundFilterTests",
            dependencies: ["CPCRE2", "TracehoundFilter", "TracehoundSources", "TracehoundTestKit"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "TracehoundForwardTests",
            dependencies: ["TracehoundForward", "TracehoundCollector", "TracehoundCore", "TracehoundTestKit"]
        ),
        .testTarget(
            name: "TracehoundCollectorTests",
            dependencies: [
                "TracehoundCLI", "TracehoundCollector", "TracehoundConfig", "TracehoundCore", "TracehoundForward",
                "TracehoundTestKit",
            ]
        ),
        .testTarget(name: "TracehoundCLITests", dependencies: ["TracehoundCLI", "TracehoundTestKit"]),
        .testTarget(name: "E2ETests", dependencies: ["TracehoundTestKit"]),
        .testTarget(
            name: "TracehoundAgentTests",
            dependencies: [
                "TracehoundAgent", "TracehoundCollector", "TracehoundConfig", "TracehoundCore", "TracehoundFilter",
                "TracehoundForward", "TracehoundSpool", "TracehoundTestKit",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
