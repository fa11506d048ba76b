import ArgumentParser
import Foundation
import JupyterKernel

/// Writes the kernel spec where Jupyter looks for it, as `python -m ipykernel install` does.
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install the PolyICL kernel spec where Jupyter finds it.",
        discussion: """
            Without a location option the spec goes to the system-wide directory \
            /usr/local/share/jupyter/kernels (like ipykernel). kernel.json runs this very \
            binary, by its absolute path, so install from the binary you mean to keep.
            """
    )

    @Flag(help: "Install for the current user (~/.local/share/jupyter/kernels, or $JUPYTER_DATA_DIR/kernels).")
    var user = false

    @Flag(help: "Install into the active virtual environment ($VIRTUAL_ENV/share/jupyter/kernels).")
    var sysPrefix = false

    @Option(help: "Install into DIR/share/jupyter/kernels.")
    var prefix: String?

    @Option(help: "Kernel name (directory name): letters, digits, '.', '_', '-'.")
    var name = "polyicl"

    @Option(help: "Name shown in the frontend's kernel list.")
    var displayName = "PolyICL"

    func validate() throws {
        let chosen = [user, sysPrefix, prefix != nil].filter { $0 }.count
        guard chosen <= 1 else { throw ValidationError("choose at most one of --user, --sys-prefix, --prefix DIR") }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._-"))
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && allowed.contains($0) }) else {
            throw ValidationError("--name \"\(name)\": a kernel name may contain only ASCII letters, digits, '.', '_' and '-'")
        }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let kernelsDirectory: String
        if user {
            if let data = environment["JUPYTER_DATA_DIR"], !data.isEmpty {
                kernelsDirectory = data + "/kernels"
            } else if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
                kernelsDirectory = xdg + "/jupyter/kernels"
            } else {
                kernelsDirectory = NSHomeDirectory() + "/.local/share/jupyter/kernels"
            }
        } else if sysPrefix {
            guard let venv = environment["VIRTUAL_ENV"], !venv.isEmpty else {
                throw ValidationError("--sys-prefix needs an active virtual environment ($VIRTUAL_ENV is not set); activate it or use --prefix DIR")
            }
            kernelsDirectory = venv + "/share/jupyter/kernels"
        } else if let prefix {
            kernelsDirectory = absolute(prefix) + "/share/jupyter/kernels"
        } else {
            kernelsDirectory = "/usr/local/share/jupyter/kernels"
        }
        let destination = kernelsDirectory + "/" + name
        let binary = try executablePath()

        do {
            try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
            for (file, encoded) in KernelspecFiles.base64 {
                guard let data = Data(base64Encoded: encoded) else {
                    throw ValidationError("the embedded \(file) is corrupt; rebuild polyicl")
                }
                let contents = file == "kernel.json" ? try kernelJSON(template: data, binary: binary) : data
                try contents.write(to: URL(fileURLWithPath: destination + "/" + file))
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("cannot write the kernel spec to \(destination): \(error.localizedDescription). Use --user, --sys-prefix or --prefix DIR for a directory you can write.")
        }
        print("Installed kernelspec \(name) in \(destination)")
    }

    /// kernel.json from the template: the absolute path of this binary as argv[0], the
    /// display name, and OPENBLAS_CORETYPE when this machine has AVX-512 (Debian's
    /// OpenBLAS 0.3.21 does not detect newer CPUs and falls back to slower kernels; it
    /// reads the variable as it loads, before polyicl's own code could set it).
    private func kernelJSON(template: Data, binary: String) throws -> Data {
        guard case .object(var spec) = try JSONValue.parse(Array(template)),
              case .array(var argv)? = spec["argv"], !argv.isEmpty else {
            throw ValidationError("the embedded kernel.json template is not a kernel spec; rebuild polyicl")
        }
        argv[0] = .string(binary)
        spec["argv"] = .array(argv)
        spec["display_name"] = .string(displayName)
        if cpuHasAVX512() {
            spec["env"] = ["OPENBLAS_CORETYPE": "SkylakeX"]
        }
        return Data(JSONValue.object(spec).serialized() + Array("\n".utf8))
    }

    private func cpuHasAVX512() -> Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return false }
        return info.split(separator: "\n").contains { $0.hasPrefix("flags") && $0.split(separator: " ").contains("avx512f") }
    }

    private func executablePath() throws -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return path
        }
        let argv0 = CommandLine.arguments[0]
        if argv0.contains("/") { return URL(fileURLWithPath: absolute(argv0)).standardizedFileURL.path }
        throw ValidationError("cannot find the absolute path of the polyicl binary; run it by its path, e.g. /usr/local/bin/polyicl install")
    }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
