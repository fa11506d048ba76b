import PolyICLCore

/// The named objects a notebook (or script) has made, in the order they were made.
///
/// Commands never write here while they run: the interpreter stores what a command
/// produced only after it finished, so a failed or interrupted cell leaves the session
/// as it was (a long command that must keep partial progress, such as training, replaces
/// its object itself at a consistent point through ``replace(_:with:)``).
public final class Session {
    private var objects: [String: any SessionObject] = [:]
    /// Names in creation order (a redefined name moves to the end).
    public private(set) var names: [String] = []

    /// The processes this session's `train` shares its batches with (the ranks of an MPI job
    /// running a script), or nil for one process.
    public var dataParallel: (any DataParallelGroup)?
    /// Whether commands write files: false on the ranks of an MPI job other than 0, which run
    /// the same script, hold the same objects and leave the saving to rank 0.
    public var writesFiles: Bool { (dataParallel?.rank ?? 0) == 0 }

    public init() {}

    public subscript(name: String) -> (any SessionObject)? { objects[name] }

    /// Keeps `object` under `name`, replacing what was there.
    public func store(_ object: any SessionObject, as name: String) {
        if objects[name] != nil { names.removeAll { $0 == name } }
        objects[name] = object
        names.append(name)
    }

    /// Replaces an existing object in place (same position in `list`), for commands that
    /// update an object at consistent points while they run.
    public func replace(_ name: String, with object: any SessionObject) {
        if objects[name] == nil { names.append(name) }
        objects[name] = object
    }

    @discardableResult
    public func remove(_ name: String) -> (any SessionObject)? {
        names.removeAll { $0 == name }
        return objects.removeValue(forKey: name)
    }

    public func names(ofKind kind: ObjectKind) -> [String] {
        names.filter { objects[$0]?.kind == kind }
    }
}
