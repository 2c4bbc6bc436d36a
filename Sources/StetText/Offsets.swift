// Typed positions. Every count of text comes in one of a few units (UTF-8 code units,
// UTF-16 code units, Unicode scalars, lines, display columns); each unit has its own type so
// that a UTF-16 offset from the wire can never be used as a UTF-8 offset by accident.
// Converting between units goes through the `Rope` (which knows the text), never through
// an initializer. Every member in this file is O(1).

/// The code-unit kinds a `TextOffset` can count.
public enum TextUnit: Sendable, Hashable {
    case utf8
    case utf16
    case scalars
}

/// An offset into text counted in one `TextUnit`: `UTF8Offset`, `UTF16Offset`, `ScalarOffset`.
///
/// Offsets of the same type can be compared, advanced by a distance and subtracted; offsets
/// of different types are converted only by the `Rope` (`rope.utf16Offset(of:)` and friends).
public protocol TextOffset: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// What this offset counts.
    static var unit: TextUnit { get }
    /// The offset as a plain count of `unit`s from the start of the text.
    var value: Int { get }
    /// An offset of `value` units. No conversion happens: the number must already count `unit`s.
    init(_ value: Int)
}

extension TextOffset {
    /// The offset `distance` units further on (same unit).
    /// - Complexity: O(1)
    @inlinable public func advanced(by distance: Int) -> Self { Self(value + distance) }
    /// The number of units from `self` to `other` (same unit).
    /// - Complexity: O(1)
    @inlinable public func distance(to other: Self) -> Int { other.value - value }
    /// - Complexity: O(1)
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.value < b.value }
    /// - Complexity: O(1)
    @inlinable public static func + (a: Self, b: Int) -> Self { Self(a.value + b) }
    /// - Complexity: O(1)
    @inlinable public static func - (a: Self, b: Int) -> Self { Self(a.value - b) }
    /// The zero offset (start of the text).
    @inlinable public static var zero: Self { Self(0) }
}

/// An offset in UTF-8 code units (bytes). The rope's native unit: the cheapest to resolve.
public struct UTF8Offset: TextOffset {
    public static var unit: TextUnit { .utf8 }
    public var value: Int
    @inlinable public init(_ value: Int) { self.value = value }
    public var description: String { "utf8:\(value)" }
}

/// An offset in UTF-16 code units: the unit of Yjs positions on the wire and of LSP columns.
public struct UTF16Offset: TextOffset {
    public static var unit: TextUnit { .utf16 }
    public var value: Int
    @inlinable public init(_ value: Int) { self.value = value }
    public var description: String { "utf16:\(value)" }
}

/// An offset in Unicode scalars (code points).
public struct ScalarOffset: TextOffset {
    public static var unit: TextUnit { .scalars }
    public var value: Int
    @inlinable public init(_ value: Int) { self.value = value }
    public var description: String { "scalar:\(value)" }
}

/// A zero-based line number. A line ends after a "\n"; "\r\n" is one line break (the "\r"
/// belongs to the line ending, not to the content). Text ending in "\n" has a last, empty line.
public struct Line: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var index: Int
    @inlinable public init(_ index: Int) { self.index = index }
    @inlinable public static func < (a: Line, b: Line) -> Bool { a.index < b.index }
    @inlinable public static func + (a: Line, b: Int) -> Line { Line(a.index + b) }
    @inlinable public static func - (a: Line, b: Int) -> Line { Line(a.index - b) }
    public var description: String { "line:\(index)" }
}

/// A zero-based display column (terminal cells), after tab expansion and wide characters.
public struct Column: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: Int
    @inlinable public init(_ value: Int) { self.value = value }
    @inlinable public static func < (a: Column, b: Column) -> Bool { a.value < b.value }
    @inlinable public static func + (a: Column, b: Int) -> Column { Column(a.value + b) }
    @inlinable public static func - (a: Column, b: Int) -> Column { Column(a.value - b) }
    public var description: String { "col:\(value)" }
}

/// A line and an offset inside it, counted from the line's start in the unit of `Offset`
/// (for example `LinePosition<UTF16Offset>` is an LSP position, `LinePosition<ScalarOffset>`
/// a (line, column-in-scalars) pair).
public struct LinePosition<Offset: TextOffset>: Hashable, Sendable, CustomStringConvertible {
    public var line: Line
    /// Units from the start of `line` (not from the start of the text).
    public var inLine: Offset
    @inlinable public init(line: Line, inLine: Offset) {
        self.line = line
        self.inLine = inLine
    }
    public var description: String { "\(line.index):\(inLine)" }
}
