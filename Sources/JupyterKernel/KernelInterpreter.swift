/// Facts about the language a kernel serves, sent in kernel_info_reply.
public struct LanguageInfo: Sendable {
    public var name: String
    public var version: String
    public var mimetype: String
    public var fileExtension: String
    public var pygmentsLexer: String
    public var codemirrorMode: String
    public var nbconvertExporter: String

    public init(name: String, version: String, mimetype: String, fileExtension: String,
                pygmentsLexer: String, codemirrorMode: String, nbconvertExporter: String = "script") {
        self.name = name
        self.version = version
        self.mimetype = mimetype
        self.fileExtension = fileExtension
        self.pygmentsLexer = pygmentsLexer
        self.codemirrorMode = codemirrorMode
        self.nbconvertExporter = nbconvertExporter
    }
}

public struct HelpLink: Sendable {
    public var text: String
    public var url: String
    public init(text: String, url: String) { self.text = text; self.url = url }
}

/// What kernel_info_reply says about the kernel besides the language.
public struct KernelInfo: Sendable {
    public var implementation: String
    public var implementationVersion: String
    public var language: LanguageInfo
    public var banner: String
    public var helpLinks: [HelpLink]

    public init(implementation: String, implementationVersion: String, language: LanguageInfo,
                banner: String, helpLinks: [HelpLink] = []) {
        self.implementation = implementation
        self.implementationVersion = implementationVersion
        self.language = language
        self.banner = banner
        self.helpLinks = helpLinks
    }
}

/// A failed cell: published as an iopub error and returned in execute_reply.
public struct ExecutionError: Error, Sendable, Equatable {
    public var name: String
    public var value: String
    public var traceback: [String]

    public init(name: String, value: String, traceback: [String]? = nil) {
        self.name = name
        self.value = value
        self.traceback = traceback ?? ["\(name): \(value)"]
    }
}

/// How a cell ended. A result becomes execute_result (unless the request was silent).
public enum ExecutionOutcome: Sendable, Equatable {
    case success(result: MIMEBundle?)
    case failure(ExecutionError)
}

public struct CompletionResult: Sendable, Equatable {
    public var matches: [String]
    /// Code-point offsets of the text the matches replace.
    public var cursorStart: Int
    public var cursorEnd: Int
    public init(matches: [String], cursorStart: Int, cursorEnd: Int) {
        self.matches = matches
        self.cursorStart = cursorStart
        self.cursorEnd = cursorEnd
    }
}

public enum CompletenessStatus: Sendable, Equatable {
    case complete
    case incomplete(indent: String)
    case invalid
    case unknown
}

/// The language a kernel serves, modelled on xeus's interpreter. The kernel calls every
/// method from its one shell thread, one request at a time, so an interpreter may keep
/// mutable session state without locks. Only `ExecutionContext` is touched by other
/// threads (to cancel).
public protocol KernelInterpreter: AnyObject {
    var kernelInfo: KernelInfo { get }

    /// Runs one cell. Publish outputs through `context` while running; check
    /// `context.isCancelled` often (every few milliseconds of work) and, when set, stop
    /// and return a failure saying it was interrupted and where.
    func execute(_ code: String, context: ExecutionContext) -> ExecutionOutcome

    /// Completions at `cursorPosition`, counted in Unicode code points.
    func complete(_ code: String, cursorPosition: Int) -> CompletionResult

    /// Help for the name at `cursorPosition` (code points), or nil when nothing is found.
    func inspect(_ code: String, cursorPosition: Int, detailLevel: Int) -> MIMEBundle?

    func isComplete(_ code: String) -> CompletenessStatus
}
