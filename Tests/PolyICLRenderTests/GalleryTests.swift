import Foundation
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
}
