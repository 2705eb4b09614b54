// swift-tools-version: 6.1
// Khudi: a Swift toolkit for training language models in Urdu and the other languages of
// Pakistan, offline, on CPUs. See README.md and DESIGN.md (in the shared folder) for the layout.

import PackageDescription

/// `-O` for a target in debug builds as well (release builds are optimised anyway).
let optimisedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "Khudi",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "khudi", targets: ["khudi"]),
        .executable(name: "khudi-clean", targets: ["khudi-clean"]),
        .executable(name: "khudi-tokenize", targets: ["khudi-tokenize"]),
        .executable(name: "khudi-train", targets: ["khudi-train"]),
        .executable(name: "khudi-eval", targets: ["khudi-eval"]),
        .executable(name: "khudi-bench", targets: ["khudi-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // MARK: System and C shims

        /// A tiny C shim over OpenBLAS's CBLAS calls and thread controls that loads the library
        /// on first use, so a process that multiplies no matrices (cleaning, tokenizing) never
        /// starts its thread pool and runs where OpenBLAS is not installed. Only
        /// `Kernels/MatrixMultiply*.swift` (and `khudi-bench`) import it.
        .target(name: "CBLAS", exclude: ["README.md"]),
        /// A tiny C shim over Open MPI that loads `libmpi` at run time, so that a process not
        /// launched by `mpirun`/`srun` never needs an MPI runtime to start.
        .target(name: "CMPI", exclude: ["README.md"]),

        // MARK: Libraries

        .target(
            name: "KhudiText", exclude: ["README.md"],
            resources: [.copy("Resources/language-id.tsv")]),
        .target(
            name: "KhudiCorpus",
            dependencies: ["KhudiText", .product(name: "Yams", package: "Yams")],
            exclude: ["README.md"]),
        .target(name: "KhudiTokenizer", dependencies: ["KhudiText"], exclude: ["README.md"]),
        /// The numeric core is optimised in debug builds too: its kernels are written in explicit
        /// SIMD lanes generic over `FloatLanes`, which unoptimised code runs as a call per lane
        /// operation (the debug quickstart's training went from about a minute to over ten).
        .target(
            name: "KhudiTensor", dependencies: ["CBLAS"], exclude: ["README.md"],
            swiftSettings: optimisedInDebug),
        .target(
            name: "KhudiNN", dependencies: ["KhudiTensor"], exclude: ["README.md"],
            swiftSettings: optimisedInDebug),
        .target(
            name: "KhudiModels", dependencies: ["KhudiNN", "KhudiTokenizer"],
            exclude: ["README.md"]),
        .target(
            name: "KhudiTrain", dependencies: ["CMPI", "KhudiModels"], exclude: ["README.md"]),
        .target(
            name: "KhudiEval", dependencies: ["KhudiModels", "KhudiTokenizer"],
            exclude: ["README.md"]),
        /// Recipes: schema, stage plan, cache keys, the runner and provenance manifests.
        .target(
            name: "KhudiRecipe",
            dependencies: [
                "KhudiCorpus", "KhudiTrain", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["README.md"]),
        .target(
            name: "KhudiCLI",
            dependencies: [
                "KhudiTensor", "KhudiTrain", "KhudiText", "KhudiCorpus", "KhudiTokenizer",
                "KhudiModels", "KhudiEval", "KhudiRecipe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["README.md"]
        ),

        // MARK: Executables (one thin @main each)

        .executableTarget(name: "khudi", dependencies: ["KhudiCLI"]),
        .executableTarget(name: "khudi-clean", dependencies: ["KhudiCLI"]),
        .executableTarget(name: "khudi-tokenize", dependencies: ["KhudiCLI"]),
        .executableTarget(name: "khudi-train", dependencies: ["KhudiCLI"]),
        .executableTarget(name: "khudi-eval", dependencies: ["KhudiCLI"]),
        .executableTarget(
            name: "khudi-bench",
            dependencies: [
                "KhudiCLI", "KhudiTensor", "KhudiNN", "KhudiText", "KhudiCorpus", "KhudiModels",
                "KhudiTrain", "KhudiTokenizer", "CBLAS",
            ]),

        // MARK: Tests

        .target(
            name: "_KhudiTestSupport", dependencies: ["KhudiTensor"], exclude: ["README.md"]),
        .testTarget(
            name: "KhudiTokenizerTests", dependencies: ["KhudiTokenizer", "_KhudiTestSupport"]),
        .testTarget(name: "KhudiTextTests", dependencies: ["KhudiText", "_KhudiTestSupport"]),
        .testTarget(
            name: "KhudiModelsTests", dependencies: ["KhudiModels", "_KhudiTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "KhudiCorpusTests",
            dependencies: ["KhudiCorpus", "KhudiText", "_KhudiTestSupport"]),
        .testTarget(name: "KhudiTensorTests", dependencies: ["KhudiTensor", "_KhudiTestSupport"]),
        .testTarget(
            name: "KhudiNNTests", dependencies: ["KhudiNN", "_KhudiTestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "KhudiEvalTests",
            dependencies: ["KhudiEval", "KhudiModels", "KhudiNN", "KhudiTokenizer"]),
        .testTarget(
            name: "KhudiTrainTests",
            dependencies: [
                "KhudiTrain", "KhudiModels", "KhudiNN", "KhudiTokenizer", "_KhudiTestSupport",
            ],
            exclude: ["Fixtures"]),
        .testTarget(name: "KhudiRecipeTests", dependencies: ["KhudiRecipe"]),
        .testTarget(
            name: "KhudiCLITests",
            dependencies: [
                "KhudiCLI", "KhudiModels", "KhudiNN", "KhudiTokenizer", "_KhudiTestSupport",
            ]),
    ]
)
