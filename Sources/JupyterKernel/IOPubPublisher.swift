#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The single owner of the iopub PUB socket. Any thread hands it messages; its own
/// thread signs (already done by the caller) and sends them in the order they came.
final class IOPubPublisher: @unchecked Sendable {
    private let socket: ZMQSocket
    private let codec: WireCodec
    private let headers: HeaderFactory
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var queue: [[[UInt8]]] = []
    private var closed = false
    private var thread: KernelThread?

    init(socket: ZMQSocket, codec: WireCodec, headers: HeaderFactory) {
        self.socket = socket
        self.codec = codec
        self.headers = headers
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        thread = KernelThread(name: "iopub") { [self] in run() }
    }

    /// Publishes `type` with `content`, caused by `parent` (nil for the boot status).
    func publish(_ type: String, parent: Message?, content: JSONObject, metadata: JSONObject = [:]) {
        var message = Message(header: headers.header(type: type),
                              parentHeader: parent?.header ?? [:], metadata: metadata, content: content)
        let topic = type == "status" ? "kernel.\(headers.session).status" : "kernel.\(headers.session).\(type)"
        message.identities = [Array(topic.utf8)]
        let frames = codec.encode(message)
        pthread_mutex_lock(mutex)
        if !closed {
            queue.append(frames)
            pthread_cond_signal(condition)
        }
        pthread_mutex_unlock(mutex)
    }

    func status(_ state: String, parent: Message?) {
        publish("status", parent: parent, content: ["execution_state": .string(state)])
    }

    /// Sends what is queued, then stops the thread and closes the socket.
    func finish(timeout: Double) {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
        _ = thread?.join(timeout: timeout)
    }

    private func run() {
        while true {
            pthread_mutex_lock(mutex)
            while queue.isEmpty && !closed { pthread_cond_wait(condition, mutex) }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            let done = closed && batch.isEmpty
            pthread_mutex_unlock(mutex)
            if done { break }
            for frames in batch { socket.send(frames) }
        }
        socket.close()
    }
}
