/// One Jupyter message, decoded: routing identities, the four JSON parts and any binary
/// buffers.
public struct Message: Sendable {
    public var identities: [[UInt8]]
    public var header: JSONObject
    public var parentHeader: JSONObject
    public var metadata: JSONObject
    public var content: JSONObject
    public var buffers: [[UInt8]]

    public init(identities: [[UInt8]] = [], header: JSONObject, parentHeader: JSONObject = [:],
                metadata: JSONObject = [:], content: JSONObject, buffers: [[UInt8]] = []) {
        self.identities = identities
        self.header = header
        self.parentHeader = parentHeader
        self.metadata = metadata
        self.content = content
        self.buffers = buffers
    }

    public var messageType: String { header["msg_type"]?.stringValue ?? "" }
    public var messageID: String { header["msg_id"]?.stringValue ?? "" }
}

/// Makes the headers of the messages one kernel process sends: one session id per
/// process, message ids "<session>_<counter>" (unique without a UUID per message).
public final class HeaderFactory: @unchecked Sendable {
    public let session: String
    public let username: String
    private let counter = Locked(0)

    public init(session: String, username: String = "kernel") {
        self.session = session
        self.username = username
    }

    public func header(type: String) -> JSONObject {
        let n = counter.withLock { c -> Int in c += 1; return c }
        return [
            "msg_id": .string("\(session)_\(n)"),
            "session": .string(session),
            "username": .string(username),
            "date": .string(Timestamp.now()),
            "msg_type": .string(type),
            "version": "5.4",
        ]
    }

    /// A message of `type` answering or caused by `parent`, routed back to its sender.
    public func message(type: String, parent: Message?, content: JSONObject,
                        metadata: JSONObject = [:]) -> Message {
        Message(identities: parent?.identities ?? [], header: header(type: type),
                parentHeader: parent?.header ?? [:], metadata: metadata, content: content)
    }
}
