import CZeroMQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Jupyter kernel serving one connection file with one interpreter.
///
/// Threads: heartbeat (echo), control (interrupt, shutdown, kernel_info), iopub (sole
/// owner of the PUB socket), shell (requests, runs the interpreter), a SIGINT watcher,
/// and the caller's thread, which sets everything up and waits for shutdown.
public final class KernelServer: @unchecked Sendable {
    public let connection: ConnectionInfo
    let interpreter: KernelInterpreter
    let codec: WireCodec
    let headers: HeaderFactory
    private let context: UnsafeMutableRawPointer

    // Owned by the shell thread.
    var executionCount = 0
    var history = ExecutionHistory()

    /// The running cell's flag, so control and SIGINT can cancel it; nil while idle.
    let currentCell = Locked<CancellationFlag?>(nil)
    let shellBusy = Locked(false)
    let stopping = Locked(false)
    private let shutdownRequested = OneShotEvent()
    var publisher: IOPubPublisher!

    public init(connection: ConnectionInfo, interpreter: KernelInterpreter) {
        self.connection = connection
        self.interpreter = interpreter
        codec = WireCodec(key: connection.key)
        headers = HeaderFactory(session: KernelServer.makeSessionID())
        context = zmq_ctx_new()
    }

    /// Binds the sockets and serves until a shutdown_request; returns the exit status.
    public func run() throws -> Int32 {
        if !codec.signer.isEnabled {
            KernelLog.write("warning: the connection file's key is empty, so messages are not signed or checked; anyone who can reach the ports can run code")
        }
        func makeSocket(_ type: Int32, port: Int) throws -> ZMQSocket {
            let socket = try ZMQSocket(context: context, type: type)
            socket.setOption(ZMQ_LINGER, Int32(1000))
            // Frames above this size make ZeroMQ drop the sender's connection instead of
            // letting one message exhaust memory.
            socket.setOption(ZMQ_MAXMSGSIZE, Int64(256 << 20))
            try socket.bind(connection.endpoint(port: port))
            return socket
        }
        let shell = try makeSocket(ZMQ_ROUTER, port: connection.shellPort)
        let control = try makeSocket(ZMQ_ROUTER, port: connection.controlPort)
        let stdin = try makeSocket(ZMQ_ROUTER, port: connection.stdinPort)
        let iopub = try makeSocket(ZMQ_PUB, port: connection.iopubPort)
        let heartbeat = try makeSocket(ZMQ_REP, port: connection.heartbeatPort)

        publisher = IOPubPublisher(socket: iopub, codec: codec, headers: headers)
        publisher.status("starting", parent: nil)

        let heartbeatThread = KernelThread(name: "heartbeat") {
            while true {
                guard let frames = try? heartbeat.receive() else { break }
                heartbeat.send(frames)
            }
            heartbeat.close()
        }
        if let interrupts = InterruptSignal.install() {
            _ = KernelThread(name: "sigint") { [self] in
                while InterruptSignal.wait(readEnd: interrupts) { interruptRunningCell() }
            }
        }
        let controlThread = KernelThread(name: "control") { [self] in serve(control, channel: .control) }
        let shellThread = KernelThread(name: "shell") { [self] in serve(shell, channel: .shell) }

        // Wait for a shutdown_request.
        shutdownRequested.wait()

        // Let a running cell see the cancellation and finish its reply, briefly.
        var waited = 0.0
        while shellBusy.withLock({ $0 }) && waited < 0.6 { usleep(2_000); waited += 0.002 }
        let shellStuck = shellBusy.withLock { $0 }
        publisher.finish(timeout: 0.3)
        zmq_ctx_shutdown(context)
        _ = controlThread.join(timeout: 0.2)
        _ = heartbeatThread.join(timeout: 0.2)
        stdin.close()
        if shellStuck {
            // The cell ignores cancellation; its socket cannot be closed from here, so
            // zmq_ctx_term would wait for it. Give the I/O threads a moment to flush.
            KernelLog.write("shutdown: the running cell did not stop within 0.6 s; exiting without waiting for it")
            usleep(100_000)
            return 0
        }
        _ = shellThread.join(timeout: 0.3)
        zmq_ctx_term(context)
        return 0
    }

    /// Cancels the running cell; does nothing when idle.
    func interruptRunningCell() {
        currentCell.withLock { $0?.set() }
    }

    func requestShutdown() {
        stopping.withLock { $0 = true }
        interruptRunningCell()
        shutdownRequested.signal()
    }

    enum Channel { case shell, control }

    private func serve(_ socket: ZMQSocket, channel: Channel) {
        while !stopping.withLock({ $0 }) {
            let frames: [[UInt8]]
            do {
                guard let received = try socket.receive() else { continue }
                frames = received
            } catch {
                if !error.isTerminated { KernelLog.write("\(channel) receive failed: \(error)") }
                break
            }
            handle(frames, on: socket, channel: channel)
        }
        socket.close()
    }

    func handle(_ frames: [[UInt8]], on socket: ZMQSocket, channel: Channel) {
        let request: Message
        do {
            request = try codec.decode(frames)
        } catch {
            KernelLog.write("dropped a message on \(channel): \(error)")
            return
        }
        let type = request.messageType
        guard let handler = handler(for: type, channel: channel) else {
            KernelLog.write("dropped a message on \(channel): unknown or misdirected msg_type \"\(type)\"")
            return
        }
        if channel == .shell { shellBusy.withLock { $0 = true } }
        publisher.status("busy", parent: request)
        handler(request, socket)
        publisher.status("idle", parent: request)
        if channel == .shell { shellBusy.withLock { $0 = false } }
    }

    func reply(_ request: Message, on socket: ZMQSocket, content: JSONObject) {
        let type = request.messageType.hasSuffix("_request")
            ? String(request.messageType.dropLast("_request".count)) + "_reply"
            : request.messageType + "_reply"
        socket.send(codec.encode(headers.message(type: type, parent: request, content: content)))
    }

    /// An error reply for a request whose content has the wrong shape.
    func replyBadRequest(_ request: Message, on socket: ZMQSocket, _ problem: String) {
        KernelLog.write("bad \(request.messageType): \(problem)")
        reply(request, on: socket, content: [
            "status": "error", "ename": "BadRequest", "evalue": .string(problem), "traceback": [],
        ])
    }

    private static func makeSessionID() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<32).map { _ in digits[Int(generator.next() % 16)] })
    }
}
