/// The kind of a named session object. A struct rather than an enum so the core-bound
/// kinds (and later ones: adapters, soft prompts, spectra) join without touching this file.
public struct ObjectKind: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    /// "a" or "an", for messages like "`poly` is a task".
    public var article: String
    /// The command that makes one, for hints ("make one with `name = eval ...`").
    public var madeBy: String?

    public init(_ name: String, article: String = "a", madeBy: String? = nil) {
        self.name = name
        self.article = article
        self.madeBy = madeBy
    }

    public var description: String { name }
    /// "a task".
    public var withArticle: String { "\(article) \(name)" }

    /// A literal kept under a name: `x = 3`.
    public static let value = ObjectKind("value")
    /// A prompt distribution: `task chebyshev ...`.
    public static let task = ObjectKind("task", madeBy: "task")
    /// A transformer with its weights and training history.
    public static let model = ObjectKind("model", madeBy: "model")
    /// An evaluation result: tables of errors per context length.
    public static let result = ObjectKind("result", madeBy: "eval")

    public static let all: [ObjectKind] = [.value, .task, .model, .result, .job]
}
