import Testing
@testable import JupyterKernel

@Suite struct WireCodecTests {
    let header = Array(#"{"msg_id":"a1","msg_type":"kernel_info_request"}"#.utf8)
    let empty = Array("{}".utf8)
    // HMAC-SHA256("secret-key", header || {} || {} || {}) from Python's hmac module.
    let signature = Array("ee7b6480810b69a59047f9de06cdaa6118a09e8ea5eb47f0e863dd352d06d569".utf8)

    func frames(ids: [[UInt8]] = [Array("client".utf8)], signature: [UInt8]? = nil) -> [[UInt8]] {
        ids + [WireCodec.delimiter, signature ?? self.signature, header, empty, empty, empty]
    }

    @Test func decodesASignedMessage() throws {
        let codec = WireCodec(key: "secret-key")
        let message = try codec.decode(frames() + [[1, 2, 3]])
        #expect(message.identities == [Array("client".utf8)])
        #expect(message.messageType == "kernel_info_request")
        #expect(message.messageID == "a1")
        #expect(message.buffers == [[1, 2, 3]])
    }

    @Test func rejectsReplay() throws {
        let codec = WireCodec(key: "secret-key")
        _ = try codec.decode(frames())
        #expect(throws: WireDecodingError.replayedSignature) { try codec.decode(frames()) }
    }

    @Test func rejectsForgedAndMissingSignatures() {
        let codec = WireCodec(key: "secret-key")
        var forged = signature
        forged[0] = forged[0] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
        #expect(throws: WireDecodingError.wrongSignature) { try codec.decode(frames(signature: forged)) }
        #expect(throws: WireDecodingError.emptySignature) { try codec.decode(frames(signature: [])) }
        #expect(throws: WireDecodingError.wrongSignature) { try codec.decode(frames(signature: Array(signature.prefix(10)))) }
    }

    @Test func checksSignatureBeforeParsingJSON() {
        // Garbage JSON with a wrong signature must fail on the signature, not the JSON.
        let codec = WireCodec(key: "secret-key")
        let bad = [WireCodec.delimiter, Array("00".utf8), Array("{not json".utf8), empty, empty, empty]
        #expect(throws: WireDecodingError.wrongSignature) { try codec.decode(bad) }
    }

    @Test func rejectsMalformedStructure() {
        let codec = WireCodec(key: "")
        #expect(throws: WireDecodingError.missingDelimiter) { try codec.decode([header, empty]) }
        #expect(throws: WireDecodingError.missingDelimiter) { try codec.decode([]) }
        #expect(throws: WireDecodingError.tooFewFrames(afterDelimiter: 3)) {
            try codec.decode([WireCodec.delimiter, [], header, empty])
        }
        #expect(throws: WireDecodingError.self) { try codec.decode([WireCodec.delimiter, [], Array("[1]".utf8), empty, empty, empty]) }
        #expect(throws: WireDecodingError.missingMessageType) {
            try codec.decode([WireCodec.delimiter, [], Array(#"{"msg_type":3}"#.utf8), empty, empty, empty])
        }
        #expect(throws: WireDecodingError.self) { try codec.decode([WireCodec.delimiter, [], [0xFF, 0x00], empty, empty, empty]) }
        #expect(throws: WireDecodingError.self) { try codec.decode([WireCodec.delimiter, [], header, empty, Array("{\"a\":".utf8), empty]) }
    }

    @Test func encodesFramesSignedOverTheirJSON() throws {
        let codec = WireCodec(key: "secret-key")
        let headers = HeaderFactory(session: "s")
        let message = headers.message(type: "status", parent: nil, content: ["execution_state": "idle"])
        let frames = codec.encode(message)
        #expect(frames[0] == WireCodec.delimiter)
        #expect(codec.signer.isValid(signature: frames[1], of: Array(frames[2...5])))
        let header = try JSONValue.parse(frames[2])
        #expect(header["version"] == "5.4")
        #expect(header["msg_type"] == "status")
        #expect(header["session"] == "s")
        #expect(try JSONValue.parse(frames[5]) == ["execution_state": "idle"])
        // The receiving side (another codec with the same key) accepts it.
        #expect(try WireCodec(key: "secret-key").decode(frames).messageType == "status")
    }

    @Test func timestampIsISO8601UTCWithMicroseconds() {
        let t = Array(Timestamp.now().utf8)
        #expect(t.count == 27)
        let pattern = "dddd-dd-ddTdd:dd:dd.ddddddZ"
        for (c, p) in zip(t, pattern.utf8) {
            if p == UInt8(ascii: "d") { #expect(c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) } else { #expect(c == p) }
        }
    }
}
