/// What the editor asks its host to do: the model does no I/O itself.
public enum Effect: Hashable, Sendable {
    /// Write the buffer's text to `path` atomically; then call `Editor.didSave(path:)` or
    /// `Editor.saveFailed(_:)`. With `thenQuit`, exit after a successful save.
    case save(path: String, thenQuit: Bool)
    /// Leave the editor (everything is in the store already).
    case quit
    /// Put this text on the user's own clipboard (OSC 52).
    case clipboard(String)
    /// Ring the bell (nothing to undo, no match…).
    case bell
}

/// Settings a user can change with `:set`.
public struct Settings: Hashable, Sendable {
    /// Columns between tab stops.
    public var tabWidth = 8
    /// What Tab inserts and indenting adds: "\t" or spaces.
    public var indentUnit = "    "
    /// Soft-wrap long lines (else scroll horizontally).
    public var wrap = false
    public var lineNumbers = true
    /// The line break Enter inserts ("\n" or "\r\n"), from the file.
    public var lineBreak = "\n"
    /// Typing pauses longer than this (milliseconds) start a new undo step.
    public var undoPause: UInt64 = 500
    public init() {}
}
