/// Why incoming frames were not accepted as a message. Every case is a reason to drop
/// the frames with a log line and send nothing back.
public enum WireDecodingError: Error, Equatable, CustomStringConvertible {
    case missingDelimiter
    case tooFewFrames(afterDelimiter: Int)
    case emptySignature
    case wrongSignature
    case replayedSignature
    case invalidJSON(part: String, JSONParseError)
    case notAnObject(part: String)
    case missingMessageType

    public var description: String {
        switch self {
        case .missingDelimiter: return "no <IDS|MSG> delimiter frame"
        case .tooFewFrames(let n): return "\(n) frames after the delimiter, need at least 5 (signature, header, parent_header, metadata, content)"
        case .emptySignature: return "empty signature while signing is enabled"
        case .wrongSignature: return "signature does not match (wrong key or altered message)"
        case .replayedSignature: return "signature seen before (replayed message)"
        case .invalidJSON(let part, let error): return "\(part) is not JSON: \(error)"
        case .notAnObject(let part): return "\(part) is not a JSON object"
        case .missingMessageType: return "header has no string msg_type"
        }
    }
}

/// Turns frames into messages and back, checking signatures before any JSON is parsed.
/// Shared by the threads that receive (shell, control): the replay set is one per kernel.
public final class WireCodec: @unchecked Sendable {
    public static let delimiter: [UInt8] = Array("<IDS|MSG>".utf8)
    public let signer: MessageSigner
    private let replay = Locked(ReplayGuard())

    public init(key: String) { signer = MessageSigner(key: key) }

    public func decode(_ frames: [[UInt8]]) throws(WireDecodingError) -> Message {
        guard let delimiterIndex = frames.firstIndex(of: WireCodec.delimiter) else { throw .missingDelimiter }
        let rest = frames.count - delimiterIndex - 1
        guard rest >= 5 else { throw .tooFewFrames(afterDelimiter: rest) }
        let signature = frames[delimiterIndex + 1]
        let parts = Array(frames[(delimiterIndex + 2)...(delimiterIndex + 5)])
        if signer.isEnabled {
            guard !signature.isEmpty else { throw .emptySignature }
            guard signer.isValid(signature: signature, of: parts) else { throw .wrongSignature }
            guard replay.withLock({ $0.admit(signature) }) else { throw .replayedSignature }
        }
        let names = ["header", "parent_header", "metadata", "content"]
        var objects: [JSONObject] = []
        for (name, bytes) in zip(names, parts) {
            let value: JSONValue
            do { value = try JSONValue.parse(bytes) } catch { throw .invalidJSON(part: name, error) }
            guard case .object(let object) = value else { throw .notAnObject(part: name) }
            objects.append(object)
        }
        guard objects[0]["msg_type"]?.stringValue != nil else { throw .missingMessageType }
        return Message(identities: Array(frames[..<delimiterIndex]), header: objects[0],
                       parentHeader: objects[1], metadata: objects[2], content: objects[3],
                       buffers: Array(frames[(delimiterIndex + 6)...]))
    }

    /// Frames to send: identities (or an iopub topic), delimiter, signature, JSON parts, buffers.
    public func encode(_ message: Message) -> [[UInt8]] {
        let parts = [JSONValue.object(message.header).serialized(),
                     JSONValue.object(message.parentHeader).serialized(),
                     JSONValue.object(message.metadata).serialized(),
                     JSONValue.object(message.content).serialized()]
        return message.identities + [WireCodec.delimiter, signer.signature(of: parts)] + parts + message.buffers
    }
}
