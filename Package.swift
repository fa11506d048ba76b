// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "PolyICL",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "polyicl", targets: ["polyicl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // System libraries (Debian: libopenblas-dev, libzmq3-dev).
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CZeroMQ", path: "Sources/CZeroMQ"),

        // Elementwise kernels built for AVX-512, AVX2 and baseline x86-64 in one binary.
        .target(name: "CKernels", path: "Sources/CKernels"),
        // Open MPI, loaded at run time by data-parallel runs only (Debian: openmpi-bin), so
        // the binary builds and runs as a single process where MPI is absent.
        .target(name: "CMPI", path: "Sources/CMPI", linkerSettings: [.linkedLibrary("dl")]),
        // The training core: tensors, model, optimisers, tasks, training, evaluation, checkpoints.
        .target(
            name: "PolyICLCore",
            dependencies: ["COpenBLAS", "CKernels"]
        ),
        // SVG plots and HTML/text tables from plain result values.
        .target(name: "PolyICLRender", dependencies: ["PolyICLCore"]),
        // The command language: parsing, checking, running commands on a session.
        .target(name: "PolyICLLanguage", dependencies: ["PolyICLCore", "PolyICLRender"]),
        // The Jupyter kernel: wire protocol, sockets, threads; knows nothing of training.
        .target(
            name: "JupyterKernel",
            dependencies: ["CZeroMQ", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .executableTarget(
            name: "polyicl",
            dependencies: [
                "PolyICLCore", "PolyICLRender", "PolyICLLanguage", "JupyterKernel", "CMPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "PolyICLCoreTests", dependencies: ["PolyICLCore"]),
        .testTarget(name: "PolyICLRenderTests", dependencies: ["PolyICLRender"]),
        .testTarget(name: "PolyICLLanguageTests", dependencies: ["PolyICLLanguage"]),
        .testTarget(name: "JupyterKernelTests", dependencies: ["JupyterKernel"]),
    ],
    swiftLanguageModes: [.v6]
)
