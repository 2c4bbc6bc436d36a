import StetText

/// A display row position: row `row` of line `line`'s layout.
public struct RowPosition: Hashable, Comparable, Sendable {
    public var line: Line
    public var row: Int
    public init(line: Line, row: Int) {
        self.line = line
        self.row = row
    }
    public static func < (a: RowPosition, b: RowPosition) -> Bool {
        a.line == b.line ? a.row < b.row : a.line < b.line
    }
}

/// Lays out lines for the screen and remembers recent layouts: laying out a line costs
/// O(its length), and a frame needs only the visible ones, mostly unchanged since the last.
/// Layouts are keyed by the line's content, so edits never leave a stale entry in use.
struct LayoutCache {
    struct Key: Hashable {
        var content: String
        var tabWidth: Int
        var wrap: WrapMode
    }
    private var entries: [Key: LineLayout] = [:]
    static let limit = 4096

    /// The layout of `content` with offsets relative to the line's start.
    mutating func layout(_ content: String, tabWidth: Int, wrap: WrapMode) -> LineLayout {
        let key = Key(content: content, tabWidth: tabWidth, wrap: wrap)
        if let l = entries[key] { return l }
        if entries.count >= Self.limit { entries.removeAll(keepingCapacity: true) }
        let l = LineLayout(content, start: .zero, tabWidth: tabWidth, wrap: wrap)
        entries[key] = l
        return l
    }
}

/// A line's layout placed in the text: offsets in `layout` are relative to `start`.
struct PlacedLine {
    var line: Line
    var start: UTF8Offset
    var layout: LineLayout

    /// The text offset at (row, column) of this line.
    func offset(row: Int, column: Column) -> UTF8Offset {
        start + layout.offset(row: row, column: column).value
    }

    /// The row and column of a text offset in this line.
    func position(of offset: UTF8Offset) -> (row: Int, column: Column) {
        layout.position(of: UTF8Offset(offset.value - start.value))
    }

    var rowCount: Int { layout.rows.count }
}
