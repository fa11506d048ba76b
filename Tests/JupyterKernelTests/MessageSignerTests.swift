import Testing
@testable import JupyterKernel

@Suite struct MessageSignerTests {
    let parts: [[UInt8]] = [
        Array(#"{"msg_id":"a1","msg_type":"kernel_info_request"}"#.utf8),
        Array("{}".utf8), Array("{}".utf8), Array("{}".utf8),
    ]

    // Reference computed independently with Python:
    //   h = hmac.new(b"secret-key", digestmod=hashlib.sha256); for p in parts: h.update(p)
    let pythonDigest = "ee7b6480810b69a59047f9de06cdaa6118a09e8ea5eb47f0e863dd352d06d569"

    @Test func signatureMatchesPythonHMAC() {
        let signer = MessageSigner(key: "secret-key")
        #expect(String(decoding: signer.signature(of: parts), as: UTF8.self) == pythonDigest)
    }

    @Test func validSignatureAcceptedAndAlteredOnesRejected() {
        let signer = MessageSigner(key: "secret-key")
        #expect(signer.isValid(signature: Array(pythonDigest.utf8), of: parts))
        var flipped = Array(pythonDigest.utf8)
        flipped[63] = flipped[63] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        #expect(!signer.isValid(signature: flipped, of: parts))
        #expect(!signer.isValid(signature: Array(pythonDigest.utf8.prefix(63)), of: parts))
        #expect(!signer.isValid(signature: Array(pythonDigest.uppercased().utf8), of: parts))
        #expect(!signer.isValid(signature: [], of: parts))
        #expect(!MessageSigner(key: "other-key").isValid(signature: Array(pythonDigest.utf8), of: parts))
    }

    @Test func emptyKeyDisablesSigning() {
        let signer = MessageSigner(key: "")
        #expect(!signer.isEnabled)
        #expect(signer.signature(of: parts).isEmpty)
        #expect(signer.isValid(signature: [], of: parts))
    }
}
