/// A screen's worth of styled cells: what the editor model produces and the terminal draws.
/// Colours are *roles*; the terminal driver maps roles to whatever the terminal can show
/// (8, 16 or 256 colours, or attributes only on monochrome / `NO_COLOR`).

/// What a cell shows, semantically.
public enum Role: Hashable, Sendable {
    case text
    case lineNumber
    case currentLineNumber
    case selection
    /// Another match of the find pattern, and the current one.
    case match
    case currentMatch
    /// A control character or invalid content shown visibly (`^A`, `<U+200B>`).
    case control
    /// Marks a soft-wrapped continuation or text cut off by horizontal scrolling.
    case wrapMarker
    case statusBar
    case statusBarEmphasis
    case message
    case errorMessage
    case prompt
    case helpHeading
    case helpKey
    /// A collaborator's cursor or selection, by colour slot (0..<8).
    case peerCursor(UInt8)
    case peerSelection(UInt8)
    case peerFlag(UInt8)
}

/// A cell's look: a role plus emphasis the role does not imply.
public struct Style: Hashable, Sendable {
    public var role: Role
    public var bold: Bool
    public var underline: Bool
    @inlinable public init(_ role: Role = .text, bold: Bool = false, underline: Bool = false) {
        self.role = role
        self.bold = bold
        self.underline = underline
    }
    public static let text = Style(.text)
}

/// One terminal cell. A wide grapheme (CJK, emoji) occupies its cell with `width == 2` and
/// the next cell is a continuation (`width == 0`, empty text) that the driver must not draw.
public struct Cell: Hashable, Sendable {
    /// One grapheme cluster (possibly several scalars), or "" for a continuation cell.
    public var text: String
    /// Display width: 1, 2, or 0 for the right half of a wide grapheme.
    public var width: UInt8
    public var style: Style
    @inlinable public init(_ text: String, width: UInt8 = 1, style: Style = .text) {
        self.text = text
        self.width = width
        self.style = style
    }
    public static let blank = Cell(" ")
    public static func continuation(_ style: Style) -> Cell { Cell("", width: 0, style: style) }
}

/// A full screen of cells plus the cursor.
public struct Frame: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    /// Row-major, `rows * columns` cells.
    public var cells: [Cell]
    /// Where the terminal cursor goes (row, column), or nil to hide it.
    public var cursor: (row: Int, column: Int)?

    public init(rows: Int, columns: Int, fill: Cell = .blank) {
        self.rows = max(0, rows)
        self.columns = max(0, columns)
        cells = Array(repeating: fill, count: self.rows * self.columns)
        cursor = nil
    }

    @inlinable public subscript(row: Int, column: Int) -> Cell {
        get { cells[row &* columns &+ column] }
        set { cells[row &* columns &+ column] = newValue }
    }

    public static func == (a: Frame, b: Frame) -> Bool {
        a.rows == b.rows && a.columns == b.columns && a.cells == b.cells
            && a.cursor?.row == b.cursor?.row && a.cursor?.column == b.cursor?.column
    }

    /// The text of one row, continuation cells skipped (what `tmux capture-pane` shows).
    public func text(ofRow row: Int) -> String {
        var s = ""
        for c in 0..<columns where self[row, c].width != 0 { s += self[row, c].text }
        return s
    }

    /// Every row's text, trailing blanks trimmed, joined by newlines.
    public var text: String {
        (0..<rows).map { r in
            var t = text(ofRow: r)
            while t.last == " " { t.removeLast() }
            return t
        }.joined(separator: "\n")
    }

    /// The runs of cells that differ from `old`, per row: what a driver must redraw.
    /// A different size means everything changed. A run never starts on a continuation cell
    /// or ends inside a wide grapheme.
    /// - Complexity: O(rows × columns)
    public func changes(since old: Frame?) -> [(row: Int, columns: Range<Int>)] {
        guard let old, old.rows == rows, old.columns == columns else {
            return (0..<rows).map { ($0, 0..<columns) }
        }
        var out: [(row: Int, columns: Range<Int>)] = []
        cells.withUnsafeBufferPointer { new in
            old.cells.withUnsafeBufferPointer { prev in
                for r in 0..<rows {
                    let base = r * columns
                    var c = 0
                    while c < columns {
                        if new[base + c] == prev[base + c] { c += 1; continue }
                        var start = c
                        while start > 0 && new[base + start].width == 0 { start -= 1 }
                        var end = c + 1
                        while end < columns && new[base + end] != prev[base + end] { end += 1 }
                        while end < columns && new[base + end].width == 0 { end += 1 }
                        if let last = out.last, last.row == r, last.columns.upperBound >= start {
                            out[out.count - 1] = (r, last.columns.lowerBound..<end)
                        } else {
                            out.append((r, start..<end))
                        }
                        c = end
                    }
                }
            }
        }
        return out
    }
}
