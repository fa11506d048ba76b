import Crypto

/// HMAC-SHA256 signing and checking of the four JSON frames of a message, as the
/// Jupyter wire protocol specifies. An empty key disables signing: signatures are then
/// empty and not checked.
public struct MessageSigner: Sendable {
    private let key: SymmetricKey?

    public init(key: String) {
        self.key = key.isEmpty ? nil : SymmetricKey(data: Array(key.utf8))
    }

    public var isEnabled: Bool { key != nil }

    /// The lowercase hex digest of header || parent_header || metadata || content.
    public func signature(of frames: [[UInt8]]) -> [UInt8] {
        guard let key else { return [] }
        var hmac = HMAC<SHA256>(key: key)
        for frame in frames { hmac.update(data: frame) }
        let mac = hmac.finalize()
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        for byte in mac {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return hex
    }

    /// Whether `signature` is the signature of `frames`, compared in constant time so
    /// that response timing reveals nothing about how many leading bytes were right.
    public func isValid(signature: [UInt8], of frames: [[UInt8]]) -> Bool {
        guard isEnabled else { return true }
        let expected = self.signature(of: frames)
        guard signature.count == expected.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<expected.count { difference |= expected[i] ^ signature[i] }
        return difference == 0
    }
}
