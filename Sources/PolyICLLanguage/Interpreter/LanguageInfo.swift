/// How the language names itself to frontends (kernel_info's language_info, kernel.json).
public enum LanguageInfo {
    public static let name = "polyicl"
    public static let version = "0.1.0"
    public static let fileExtension = ".icl"
    public static let mimeType = "text/x-polyicl"
    /// No Pygments lexer exists for the language; "text" keeps nbconvert from guessing.
    public static let pygmentsLexer = "text"
    public static let codeMirrorMode = "text"
}
