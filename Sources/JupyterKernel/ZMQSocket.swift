import CZeroMQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct ZMQError: Error, CustomStringConvertible {
    let operation: String
    let code: Int32
    var description: String { "\(operation): \(String(cString: zmq_strerror(code)))" }
    var isTerminated: Bool { code == ETERM }
}

/// A ZeroMQ socket used by exactly one thread (ZeroMQ sockets are not thread-safe).
final class ZMQSocket: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    init(context: UnsafeMutableRawPointer, type: Int32) throws(ZMQError) {
        guard let socket = zmq_socket(context, type) else {
            throw ZMQError(operation: "zmq_socket", code: zmq_errno())
        }
        handle = socket
    }

    func setOption(_ option: Int32, _ value: Int32) {
        var v = value
        zmq_setsockopt(handle, option, &v, MemoryLayout<Int32>.size)
    }

    func setOption(_ option: Int32, _ value: Int64) {
        var v = value
        zmq_setsockopt(handle, option, &v, MemoryLayout<Int64>.size)
    }

    func bind(_ endpoint: String) throws(ZMQError) {
        guard zmq_bind(handle, endpoint) == 0 else {
            throw ZMQError(operation: "bind \(endpoint)", code: zmq_errno())
        }
    }

    /// Receives all frames of one message. `wait` false returns nil when nothing is queued.
    /// Throws on context termination (ETERM), which is how the kernel stops its threads.
    func receive(wait: Bool = true) throws(ZMQError) -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while true {
            let n = zmq_msg_recv(&message, handle, frames.isEmpty && !wait ? ZMQ_DONTWAIT : 0)
            if n < 0 {
                let code = zmq_errno()
                if code == EINTR { continue }
                if code == EAGAIN, frames.isEmpty { return nil }
                throw ZMQError(operation: "receive", code: code)
            }
            let size = zmq_msg_size(&message)
            if let data = zmq_msg_data(&message), size > 0 {
                frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            } else {
                frames.append([])
            }
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    /// Sends frames as one message; false (after logging) when ZeroMQ refuses.
    @discardableResult
    func send(_ frames: [[UInt8]]) -> Bool {
        for (i, frame) in frames.enumerated() {
            let flags: Int32 = i + 1 < frames.count ? ZMQ_SNDMORE : 0
            while true {
                let rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                if rc >= 0 { break }
                if zmq_errno() == EINTR { continue }
                // A ROUTER drops unroutable messages silently; other failures are logged.
                if zmq_errno() != ETERM { KernelLog.write("send failed: \(String(cString: zmq_strerror(zmq_errno())))") }
                return false
            }
        }
        return true
    }

    func close() {
        zmq_close(handle)
    }
}

/// One-line diagnostics on stderr, never on stdout (which frontends may show).
enum KernelLog {
    static func write(_ text: String) {
        // write(2) on fd 2: unbuffered, atomic for short lines, and no shared FILE*.
        let line = Array("[polyicl kernel] \(text)\n".utf8)
        line.withUnsafeBytes { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
