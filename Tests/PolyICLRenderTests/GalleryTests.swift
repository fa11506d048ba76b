import Foundation
import PolyICLCore
import Testing
@testable import PolyICLRender

@Suite("Sample figures")
struct GalleryTests {
    @Test("every sample figure is well-formed SVG with size, viewBox and no NaN",
          arguments: SampleFigures.all().map(\.name))
    func sampleFigureIsValidSVG(name: String) throws {
        let svg = try #require(SampleFigures.all().first { $0.name == name }?.svg)
        let parsed = XMLTreeBuilder.parse(svg)
        let root = try #require(parsed.root, "not XML: \(parsed.error ?? "")")
        #expect(root.name == "svg")
        #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect((root.number("width") ?? 0) > 100)
        #expect((root.number("height") ?? 0) > 100)
        #expect(root.attributes["viewBox"]?.hasPrefix("0 0 ") == true)
        #expect(!svg.lowercased().contains("nan"))
        #expect(!svg.contains("inf\""))
        if let directory = ProcessInfo.processInfo.environment["POLYICL_RENDER_GALLERY"], !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try svg.write(toFile: directory + "/" + name + ".svg", atomically: true, encoding: .utf8)
        }
    }

    @Test("the sample table page is well-formed; written for viewing when asked")
    func sampleTablePage() throws {
        let table = ResultTable(
            title: "Error against context length (degree 5, k = 3 fixed)",
            columns: [
                .init(name: "context", values: [1, 2, 4, 8, 16, 31]),
                .init(name: "transformer", values: [0.5123, 0.2711, 0.0912, 0.01234, 0.0021, 0.00031]),
                .init(name: "least squares", values: [4.1, 2.2, 1.05, 0.0043, 0.00012, 1.2e-6]),
                .init(name: "ridge(0.2)", values: [0.61, 0.33, 0.14, 0.031, 0.012, .nan]),
            ],
            notes: ["samples": "1280", "task": "chebyshev degree=5 fixed=3", "seed": "1"])
        let html = TableExport.html(table)
        #expect(XMLTreeBuilder.parse(html).root != nil)
        if let directory = ProcessInfo.processInfo.environment["POLYICL_RENDER_GALLERY"], !directory.isEmpty {
            let page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body { font-family: sans-serif; margin: 16px; }</style></head><body>\n"
                + "<p>Text before the table, to see that its styles do not leak.</p>\n" + html
                + "<pre>" + XMLEscaping.escape(TableExport.plainText(table)) + "</pre>\n"
                + SampleFigures.errorVersusContext().svg() + "</body></html>\n"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try page.write(toFile: directory + "/table.html", atomically: true, encoding: .utf8)
        }
    }
}
