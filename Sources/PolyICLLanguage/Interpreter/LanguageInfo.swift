/// How the language names itself to frontends (kernel_info's language_info, kernel.json).
public enum LanguageInfo {
    public static let name = "polyicl"
    public static let version = "0.1.0"
    public static let fileExtension = ".icl"
    public static let mimeType = "text/x-polyicl"
    /// The lexer of the `polyicl-jupyter` package (python/), registered with Pygments
    /// through its entry points, so nbconvert and Sphinx colour cells by name.
    public static let pygmentsLexer = "polyicl"
    /// A mode JupyterLab 4 and Notebook 7 ship, since a mode of our own would need a
    /// front-end extension. Their Python mode colours what cells share with Python: `#`
    /// comments, single- and double-quoted strings with backslash escapes, and every
    /// number the language writes (0.5, 1e-4, 20_000, -3); the shell mode, the other
    /// candidate, leaves 0.5 and 1e-4 uncoloured and takes `-x` for an option.
    public static let codeMirrorMode = "python"
}
