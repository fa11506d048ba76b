import Testing
import PolyICLCore

@Suite struct ModelConfigurationTests {
    @Test func standardHasThePapersParameterCount() throws {
        let standard = try #require(ModelConfiguration.preset(named: "standard"))
        #expect(standard.parameterCount == 1_211_009)
    }

    @Test func everyPresetIsValid() throws {
        for (name, configuration) in ModelConfiguration.presets {
            #expect(throws: Never.self, "\(name)") { try configuration.validate() }
        }
    }

    @Test func headsMustDivideWidth() {
        let bad = ModelConfiguration(embedding: 130, layers: 2, heads: 4, points: 10)
        #expect(throws: ModelConfigurationError.self) { try bad.validate() }
    }

    @Test func layoutIsContiguousAndUnique() {
        let layout = ModelConfiguration(embedding: 8, layers: 3, heads: 2, points: 5).parameterLayout
        var offset = 0
        for spec in layout {
            #expect(spec.offset == offset)
            offset += spec.count
        }
        #expect(Set(layout.map(\.name)).count == layout.count)
    }
}
