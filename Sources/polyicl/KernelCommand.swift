import ArgumentParser
import JupyterKernel

struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Serve the Jupyter messaging protocol for one connection file."
    )

    @Option(name: [.customShort("f"), .customLong("connection-file")],
            help: "The connection file written by the frontend (jupyter_client).")
    var connectionFile: String

    func run() throws {
        let connection: ConnectionInfo
        do {
            connection = try ConnectionInfo.load(path: connectionFile)
        } catch {
            throw KernelStartError(message: error.description)
        }
        let server = KernelServer(connection: connection, interpreter: LanguageKernelInterpreter())
        let status: Int32
        do {
            status = try server.run()
        } catch {
            throw KernelStartError(message: "cannot start the kernel: \(error)")
        }
        if status != 0 { throw ExitCode(status) }
    }
}

/// A kernel that cannot start: printed as "Error: ..." with exit status 1, without the
/// usage text a ValidationError would add.
struct KernelStartError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
