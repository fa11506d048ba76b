import PolyICLCore

/// Where a value kept under a name was set, for messages that say where it came from.
public enum ValueSource: Sendable, Hashable {
    /// Kept by an earlier cell: the session does not record where.
    case session
    /// Set by the statement at this line of the cell being checked.
    case line(Int)

    /// "set at line 3", "kept from an earlier cell".
    public var phrase: String {
        switch self {
        case .session: return "kept from an earlier cell"
        case .line(let line): return "set at line \(line)"
        }
    }
}

/// What the checker knows about names while it walks a cell: the session's names and
/// kinds, updated statement by statement as if the earlier statements had run, so
/// `a = task ...` followed by `train m on=a` checks in one cell.
public struct CheckEnvironment {
    public private(set) var kinds: [String: ObjectKind]
    /// Names whose live session object is still the one the checker would see (not
    /// redefined or deleted earlier in the cell), for cross-checks that read objects.
    private var liveNames: Set<String>
    private let session: Session
    /// Directory that relative paths are resolved against.
    public let workingDirectory: String
    /// The registry's command names (for `help COMMAND`).
    public let commandNames: [String]

    init(session: Session, workingDirectory: String, commandNames: [String]) {
        self.session = session
        self.commandNames = commandNames
        self.workingDirectory = workingDirectory
        var kinds: [String: ObjectKind] = [:]
        var values: [String: (value: Value, source: ValueSource)] = [:]
        for name in session.names {
            kinds[name] = session[name]?.kind
            if let object = session[name] as? ValueObject { values[name] = (object.value, .session) }
        }
        self.kinds = kinds
        self.values = values
        self.liveNames = Set(session.names)
    }

    /// What names of kind `value` hold, as the cell would have them at this point.
    private var values: [String: (value: Value, source: ValueSource)]

    /// The value kept under `name` and where it was set, if `name` holds a value.
    public func value(of name: String) -> (value: Value, source: ValueSource)? { values[name] }

    /// Records `name = value` set by the statement at `line`.
    public mutating func define(_ name: String, value: Value, line: Int) {
        define(name, as: .value)
        values[name] = (value, .line(line))
    }

    /// Configurations of models made earlier in the cell (not in the session yet).
    private var configurations: [String: ModelConfiguration] = [:]

    public func kind(of name: String) -> ObjectKind? { kinds[name] }

    /// The configuration of the model under `name`, when it can be known before running:
    /// a model made earlier in the cell, or a live ``ModelObject``.
    public func modelConfiguration(named name: String) -> ModelConfiguration? {
        if let c = configurations[name] { return c }
        return (liveObject(named: name) as? any ModelObject)?.configuration
    }

    /// Records what a model made earlier in the cell will look like.
    public mutating func setModelConfiguration(_ configuration: ModelConfiguration, for name: String) {
        configurations[name] = configuration
    }

    /// The object as it stands now, if the cell has not replaced it before this point.
    public func liveObject(named name: String) -> (any SessionObject)? {
        liveNames.contains(name) ? session[name] : nil
    }

    public func names(ofKinds wanted: [ObjectKind]) -> [String] {
        kinds.filter { wanted.isEmpty || wanted.contains($0.value) }.map(\.key).sorted()
    }

    public mutating func define(_ name: String, as kind: ObjectKind) {
        kinds[name] = kind
        values[name] = nil
        liveNames.remove(name)
        configurations[name] = nil
    }

    public mutating func remove(_ name: String) {
        kinds[name] = nil
        values[name] = nil
        liveNames.remove(name)
        configurations[name] = nil
    }

    /// Files that statements earlier in the cell will write (resolved paths): a later
    /// statement may read one, although it does not exist while the cell is checked.
    private var filesWrittenEarlier: Set<String> = []

    /// Records that an earlier statement of the cell writes `path`.
    public mutating func noteWritten(path: String) {
        filesWrittenEarlier.insert(resolve(path: path))
    }

    /// Whether an earlier statement of the cell writes `path`.
    public func willBeWritten(path: String) -> Bool {
        filesWrittenEarlier.contains(resolve(path: path))
    }

    /// A path as written, resolved against the working directory when relative.
    public func resolve(path: String) -> String {
        path.hasPrefix("/") ? path : (workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/") + path
    }
}
