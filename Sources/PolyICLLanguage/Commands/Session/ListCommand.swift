import PolyICLRender

enum ListCommand {
    static let declaration = CommandDeclaration(
        name: "list",
        summary: "Show what the session holds: names, kinds and summaries.",
        help: "Objects are listed in the order they were made.",
        examples: ["list", "list kind=model"],
        keys: [Parameter("kind", .word(ObjectKind.all.map(\.name)), help: "Only objects of this kind.")],
        run: { invocation in
            let session = invocation.session
            let kind = invocation.arguments.word("kind")
            let rows: [(String, String, String)] = session.names.compactMap { name in
                guard let object = session[name], kind == nil || object.kind.name == kind else { return nil }
                return (name, object.kind.name, object.summary)
            }
            guard !rows.isEmpty else {
                let empty = kind.map { "The session holds no \($0)s." } ?? "The session holds nothing yet."
                invocation.show(MIMEBundle(plainText: empty))
                return nil
            }
            let nameWidth = max(4, rows.map(\.0.count).max() ?? 0)
            let kindWidth = max(4, rows.map(\.1.count).max() ?? 0)
            func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
            var text = [pad("name", nameWidth) + "  " + pad("kind", kindWidth) + "  summary"]
            text += rows.map { pad($0.0, nameWidth) + "  " + pad($0.1, kindWidth) + "  " + $0.2 }
            var html = "<table><thead><tr><th style=\"text-align:left\">name</th><th style=\"text-align:left\">kind</th><th style=\"text-align:left\">summary</th></tr></thead><tbody>"
            for row in rows {
                html += "<tr><td style=\"text-align:left\"><code>\(XMLEscaping.escape(row.0))</code></td><td style=\"text-align:left\">\(row.1)</td><td style=\"text-align:left\">\(XMLEscaping.escape(row.2))</td></tr>"
            }
            html += "</tbody></table>"
            invocation.show(MIMEBundle(plainText: text.joined(separator: "\n"), html: html))
            return nil
        })
}
