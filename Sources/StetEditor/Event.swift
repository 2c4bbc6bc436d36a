/// What the editor reacts to. The terminal driver decodes input into these; tests build them
/// directly (see `KeyNotation`). Nothing here knows about ncurses.

/// Modifier keys held with a key or a mouse event.
public struct Modifiers: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let shift = Modifiers(rawValue: 1)
    public static let ctrl = Modifiers(rawValue: 2)
    public static let alt = Modifiers(rawValue: 4)
}

/// A key, independent of how the terminal encoded it.
public enum Key: Hashable, Sendable {
    /// A printable character (one grapheme). Ctrl-letter arrives as `.char("a")` with `.ctrl`.
    case char(Character)
    case enter, tab, backspace, delete, escape, insert
    case up, down, left, right, home, end, pageUp, pageDown
    /// Function key F1...F24.
    case function(Int)
}

/// One key press with its modifiers.
public struct KeyEvent: Hashable, Sendable {
    public var key: Key
    public var modifiers: Modifiers
    @inlinable public init(_ key: Key, _ modifiers: Modifiers = []) {
        self.key = key
        self.modifiers = modifiers
    }
}

/// A mouse event at a screen cell (0-based row and column of the whole terminal).
public struct MouseEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case press, drag, release, wheelUp, wheelDown }
    public var kind: Kind
    public var row: Int
    public var column: Int
    public var modifiers: Modifiers
    public init(_ kind: Kind, row: Int, column: Int, modifiers: Modifiers = []) {
        self.kind = kind
        self.row = row
        self.column = column
        self.modifiers = modifiers
    }
}

/// An input to the editor model.
public enum Event: Hashable, Sendable {
    case key(KeyEvent)
    /// A bracketed paste: inserted as one undoable change, never interpreted as keys.
    case paste(String)
    case mouse(MouseEvent)
    /// The terminal now has this many rows and columns.
    case resize(rows: Int, columns: Int)
    /// Time passed with no input (lets typing pauses close an undo step, messages expire).
    case tick
}
