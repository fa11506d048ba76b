#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Foundation

/// Whole-file reads and atomic whole-file writes.
///
/// A write goes to a temporary file in the destination's directory (same file system, so
/// the rename is atomic), is flushed to disk, and only then renamed over the destination:
/// a crash or error at any point leaves either the old file or the new one, never a mix.
enum AtomicFile {
    /// Reads the whole file, or throws a ``FileFormatError`` naming it.
    static func read(_ url: URL) throws -> [UInt8] {
        let path = url.path
        let descriptor = open(path, O_RDONLY)
        if descriptor < 0 { throw FileFormatError(file: path, problem: "cannot open for reading: \(errnoText())") }
        defer { close(descriptor) }
        var info = stat()
        if fstat(descriptor, &info) != 0 { throw FileFormatError(file: path, problem: "cannot stat: \(errnoText())") }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw FileFormatError(file: path, problem: "is a directory, not a file") }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while done < size {
                let n = posixRead(descriptor, buffer.baseAddress! + done, size - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileFormatError(file: path, problem: "read failed: \(errnoText())")
                }
                if n == 0 { break }
                done += n
            }
        }
        if done < size { bytes.removeLast(size - done) }
        return bytes
    }

    /// Writes `bytes` to `url` atomically. `beforeRename` runs after the temporary file is
    /// complete and before the rename; tests use it to simulate a save interrupted there.
    static func write(_ bytes: [UInt8], to url: URL, beforeRename: () throws -> Void = {}) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let temporaryPath = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        if descriptor < 0 {
            throw FileFormatError(file: path, problem: "cannot create a temporary file in \(directory): \(errnoText())")
        }
        var renamed = false
        defer { if !renamed { unlink(temporaryPath) } }
        do {
            var done = 0
            try bytes.withUnsafeBytes { buffer in
                while done < buffer.count {
                    let n = posixWrite(descriptor, buffer.baseAddress! + done, buffer.count - done)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw FileFormatError(file: path, problem: "write failed: \(errnoText())")
                    }
                    done += n
                }
            }
            if fsync(descriptor) != 0 { throw FileFormatError(file: path, problem: "fsync failed: \(errnoText())") }
        } catch {
            close(descriptor)
            throw error
        }
        close(descriptor)
        try beforeRename()
        if rename(temporaryPath, path) != 0 {
            throw FileFormatError(file: path, problem: "cannot rename the temporary file into place: \(errnoText())")
        }
        renamed = true
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

// The POSIX read/write, named apart from Swift's own `read`/`write` identifiers.
#if canImport(Glibc)
@inline(__always) private func posixRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int { Glibc.read(fd, p, n) }
@inline(__always) private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { Glibc.write(fd, p, n) }
#else
@inline(__always) private func posixRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int { Darwin.read(fd, p, n) }
@inline(__always) private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { Darwin.write(fd, p, n) }
#endif
