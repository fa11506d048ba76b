import Foundation
import PolyICLCore
@testable import PolyICLLanguage

/// An interpreter whose session holds stand-ins for the objects the examples name, in a
/// scratch directory holding the files they read.
func fixtureInterpreter() throws -> Interpreter {
    let directory = try fixtureDirectory.get()
    let interpreter = Interpreter(workingDirectory: directory.path)
    interpreter.session.store(StubModel(configuration: ModelConfiguration.preset(named: "standard")!), as: "base")
    // Fine-tuned models the experiment commands' examples name (a LoRA and a soft prompt model).
    for name in ["ft", "sp"] { interpreter.session.store(StubModel(configuration: ModelConfiguration.preset(named: "standard")!), as: name) }
    for (name, kind) in [("poly", ObjectKind.task), ("deg5", .task), ("ev", .result), ("job", .job)] {
        interpreter.session.store(StubObject(kind: kind), as: name)
    }
    interpreter.session.store(ValueObject(.integer(7)), as: "x")
    return interpreter
}

/// One scratch directory per test run (the fuzz makes thousands of interpreters), removed
/// when the test process exits (no test outlives it, and no per-test teardown sees the last use).
let fixtureDirectory: Result<URL, any Error> = Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("polyicl-language-tests-\(UUID().uuidString)")
    atexit { if case .success(let directory) = fixtureDirectory { try? FileManager.default.removeItem(at: directory) } }
    try FileManager.default.createDirectory(at: directory.appendingPathComponent("models"), withIntermediateDirectories: true)
    for file in ["xs.npy", "ys.npy", "models/base.safetensors", "models/ft-adapters.safetensors", "pretrain.icl"] {
        try Data([0]).write(to: directory.appendingPathComponent(file))
    }
    return directory
}
