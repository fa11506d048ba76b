import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An element of a parsed XML document: enough of a DOM for the tests to find
/// elements and read their attributes and text.
final class XMLNode {
    let name: String
    let attributes: [String: String]
    var children: [XMLNode] = []
    var text = ""

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    /// This element and all below it, depth first.
    var descendants: [XMLNode] {
        [self] + children.flatMap(\.descendants)
    }

    func all(_ name: String) -> [XMLNode] {
        descendants.filter { $0.name == name }
    }

    func number(_ attribute: String) -> Double? {
        attributes[attribute].flatMap(Double.init)
    }
}

/// Parses a document with Foundation's XMLParser (an independent, strict XML parser):
/// nil and an error message when the text is not well-formed XML.
final class XMLTreeBuilder: NSObject, XMLParserDelegate {
    private var stack: [XMLNode] = []
    private(set) var root: XMLNode?
    private(set) var error: String?

    static func parse(_ text: String) -> (root: XMLNode?, error: String?) {
        let builder = XMLTreeBuilder()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = builder
        let success = parser.parse()
        if !success {
            return (nil, builder.error ?? parser.parserError.map { "\($0)" } ?? "unknown parse error")
        }
        return (builder.root, nil)
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        let node = XMLNode(name: elementName, attributes: attributes)
        stack.last?.children.append(node)
        if root == nil { root = node }
        stack.append(node)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        error = "line \(parser.lineNumber), column \(parser.columnNumber): \(parseError)"
    }
}
