import PolyICLCore

/// A task in the session: the prompt source the core draws from, and how it was defined.
public struct TaskObject: SessionObject {
    public let source: any PromptSource
    /// The command that defines it, as a person would write it again.
    public let definition: String

    public init(source: any PromptSource, definition: String) {
        self.source = source
        self.definition = definition
    }

    public var kind: ObjectKind { .task }
    public var summary: String { definition }

    /// The definition, with a few sampled functions drawn when x is a scalar.
    public func representation() -> MIMEBundle {
        var text = definition + "\n" + String(describing: source)
        guard source.inputDimension == 1 else {
            text += "\n(x has \(source.inputDimension) coordinates: no function plot)"
            return MIMEBundle(plainText: text)
        }
        do {
            let panels = try TaskSamples.draw(from: source, samples: 4, context: 10, seed: 0)
            let svg = TaskFigures.samples(panels, title: definition, model: nil)
            return MIMEBundle(plainText: text, svg: svg)
        } catch {
            return MIMEBundle(plainText: text + "\n(no samples: \(error))")
        }
    }
}
