import Testing
@testable import JupyterKernel

@Suite struct JSONTests {
    @Test func parsesEveryValueForm() throws {
        let v = try JSONValue.parse(#" {"a": [1, -2.5e3, 0.125, true, false, null], "b": {"c": "d"}, "e": ""} "#)
        #expect(v["a"] == .array([.number(1), .number(-2500), .number(0.125), .bool(true), .bool(false), .null]))
        #expect(v["b"]?["c"] == .string("d"))
        #expect(v["e"] == .string(""))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        // "\u00e9" is é, "\ud83d\ude00" is U+1F600, written as escapes by Python's json.dumps.
        let v = try JSONValue.parse(#"["a\"b\\c\/d\n\t\r\b\f", "\u00e9", "\ud83d\ude00", "h\u00e9llo"]"#)
        #expect(v == .array([.string("a\"b\\c/d\n\t\r\u{8}\u{c}"), .string("é"), .string("😀"), .string("héllo")]))
    }

    @Test func serialisesCompactlyWithEscapes() {
        let v: JSONValue = ["s": .string("q\"\\\n\u{1}é"), "n": 3, "x": 0.5, "l": [true, nil]]
        // Expected text written by hand (Python's json.dumps(..., separators=(",", ":"),
        // ensure_ascii=False) gives the same bytes).
        #expect(v.serializedString == #"{"s":"q\"\\\n\u0001é","n":3,"x":0.5,"l":[true,null]}"#)
    }

    @Test(arguments: [
        "", "{", "}", "[1,]", "{\"a\":}", "{\"a\" 1}", "{a:1}", "tru", "nul", "01", "1.", "-", "1e",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "[1] 2", "\"a\u{1}b\"", "NaN", "'a'",
    ])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xFF, 0xFE, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x22]) }
    }

    @Test func boundsNestingDepth() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? JSONValue.parse(fine)) != nil)
    }

    @Test func intValueOnlyForWholeNumbers() throws {
        #expect(try JSONValue.parse("42").intValue == 42)
        #expect(try JSONValue.parse("4.5").intValue == nil)
        #expect(try JSONValue.parse("1e300").intValue == nil)
        #expect(try JSONValue.parse("\"4\"").intValue == nil)
    }
}
