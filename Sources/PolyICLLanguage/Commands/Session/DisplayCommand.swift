enum DisplayCommand {
    static let formats = ["html", "text", "markdown", "svg"]

    static let declaration = CommandDeclaration(
        name: "display",
        summary: "Show a value as rich output (HTML by default).",
        help: """
        A string is shown as HTML (with its text, tags removed, beside it for plain frontends), \
        or as plain text, Markdown or SVG with `as=`. A session name shows the object.
        """,
        examples: ["display \"<b>hi</b>\"", "display \"# Results\" as=markdown", "display poly"],
        positionals: [Parameter("value", .anyValue, required: true, help: "The string or object to show.")],
        keys: [Parameter("as", .word(formats), default: .word("html"), help: "How to read a string.")],
        run: { invocation in
            let value = invocation.arguments["value"] ?? .string("")
            let bundle: MIMEBundle
            switch value {
            case .objectName(let name):
                bundle = try invocation.object(named: name).representation()
            case .string(let text):
                switch invocation.arguments.word("as") ?? "html" {
                case "text": bundle = MIMEBundle(plainText: text)
                case "markdown": bundle = MIMEBundle(plainText: text, markdown: text)
                case "svg": bundle = MIMEBundle(plainText: "[SVG image, \(text.utf8.count) bytes]", svg: text)
                default: bundle = MIMEBundle(plainText: HTMLText.strippingTags(text), html: text)
                }
            default:
                bundle = MIMEBundle(plainText: value.description)
            }
            invocation.sink.display(bundle, displayID: nil)
            return nil
        })
}

/// Plain text from a fragment of HTML, for the text/plain beside text/html.
enum HTMLText {
    static func strippingTags(_ html: String) -> String {
        var out = ""
        var inTag = false
        for c in html {
            if c == "<" { inTag = true } else if c == ">" && inTag { inTag = false } else if !inTag { out.append(c) }
        }
        return out.replacingEntities
    }
}

extension String {
    fileprivate var replacingEntities: String {
        var s = self
        for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&nbsp;", " "), ("&amp;", "&")] {
            s = s.split(separator: entity, omittingEmptySubsequences: false).joined(separator: character)
        }
        return s
    }
}
