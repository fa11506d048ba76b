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
        for name in session.names { kinds[name] = session[name]?.kind }
        self.kinds = kinds
        self.liveNames = Set(session.names)
    }

    public func kind(of name: String) -> ObjectKind? { kinds[name] }

    /// The object as it stands now, if the cell has not replaced it before this point.
    public func liveObject(named name: String) -> (any SessionObject)? {
        liveNames.contains(name) ? session[name] : nil
    }

    public func names(ofKinds wanted: [ObjectKind]) -> [String] {
        kinds.filter { wanted.isEmpty || wanted.contains($0.value) }.map(\.key).sorted()
    }

    public mutating func define(_ name: String, as kind: ObjectKind) {
        kinds[name] = kind
        liveNames.remove(name)
    }

    public mutating func remove(_ name: String) {
        kinds[name] = nil
        liveNames.remove(name)
    }

    /// A path as written, resolved against the working directory when relative.
    public func resolve(path: String) -> String {
        path.hasPrefix("/") ? path : (workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/") + path
    }
}
