// Laying out one line for the screen: grapheme clusters placed in display columns, tabs
// expanded, optionally soft-wrapped into rows of a fixed width without splitting a cluster.

/// One grapheme cluster placed on a display row. (Stored properties: O(1).)
public struct DisplayCell: Hashable, Sendable {
    /// The cluster's bytes in the text.
    public var range: Range<UTF8Offset>
    /// Where it starts on its row.
    public var column: Column
    /// How many columns it covers (a tab's width depends on its column).
    public var width: Int
    /// What to draw.
    public var glyph: Glyph
}

/// One display row of a line: the whole line when not wrapped, else one soft-wrapped piece.
public struct DisplayRow: Hashable, Sendable {
    /// The bytes of the line shown on this row (rows of a line are contiguous).
    public var range: Range<UTF8Offset>
    /// The row's clusters, left to right, starting at column 0.
    public var cells: [DisplayCell]
    /// Columns used (the end column of the last cell).
    public var width: Int

    /// The column of `offset` on this row: the column of the cluster containing it, or the
    /// row's width for an offset at or past the row's end.
    /// - Complexity: O(log k) for k cells.
    public func column(of offset: UTF8Offset) -> Column {
        guard let i = cellIndex(containing: offset) else { return Column(width) }
        return cells[i].column
    }

    /// The start of the cluster covering `column` (a click on either half of a wide character
    /// lands on it). A column at or past the row's width gives the row's end when
    /// `pastEnd` is true (the end of the line's content, for its last row) and otherwise the
    /// start of the row's last cluster (so vertical movement stays on a wrapped row).
    /// - Complexity: O(log k) for k cells.
    public func offset(atColumn column: Column, pastEnd: Bool = true) -> UTF8Offset {
        if column.value >= width || cells.isEmpty {
            if pastEnd || cells.isEmpty { return range.upperBound }
            return cells[cells.count - 1].range.lowerBound
        }
        var lo = 0
        var hi = cells.count - 1
        let c = max(column.value, 0)
        while lo < hi {  // last cell whose column <= c
            let mid = (lo + hi + 1) / 2
            if cells[mid].column.value <= c { lo = mid } else { hi = mid - 1 }
        }
        return cells[lo].range.lowerBound
    }

    func cellIndex(containing offset: UTF8Offset) -> Int? {
        if cells.isEmpty || offset < cells[0].range.lowerBound || offset >= range.upperBound { return nil }
        var lo = 0
        var hi = cells.count - 1
        while lo < hi {  // last cell starting at or before offset
            let mid = (lo + hi + 1) / 2
            if cells[mid].range.lowerBound <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}

/// How long lines are broken into rows.
public enum WrapMode: Hashable, Sendable {
    /// One row per line, however wide.
    case none
    /// Rows of at most `width` columns, broken between any two clusters.
    case characters(width: Int)
    /// Rows of at most `width` columns, broken after the last blank that fits when there is
    /// one on the row, else between clusters.
    case words(width: Int)
}

/// A line's content laid out in display rows.
///
/// Tabs expand to the next multiple of `tabWidth` counted from the start of their row; a tab
/// that would cross the wrap width is cut at it. A cluster that does not fit on the rest of a
/// row (a wide character in the last column, for instance) moves to the next row; a cluster
/// wider than the whole row gets a row of its own.
public struct LineLayout: Hashable, Sendable {
    /// The content laid out (without its line break).
    public var range: Range<UTF8Offset>
    /// At least one row (an empty line has one empty row).
    public var rows: [DisplayRow]

    /// Lays out `content`, whose first byte is at `start` in the text.
    /// - Complexity: O(k) for k bytes (O(k·w) in the worst case of `.words` wrapping with w
    ///   the width).
    public init(_ content: some StringProtocol, start: UTF8Offset = .zero, tabWidth: Int = DisplayWidth.defaultTabWidth, wrap: WrapMode = .none) {
        precondition(tabWidth > 0, "tab width must be positive")
        var clusters: [(Character, Int, Int)] = []  // (cluster, start byte, length)
        var pos = start.value
        for ch in content {
            let n = ch.utf8.count
            clusters.append((ch, pos, n))
            pos += n
        }
        range = start..<UTF8Offset(pos)
        var limit = Int.max
        var words = false
        switch wrap {
        case .none: break
        case .characters(let w): precondition(w > 0, "wrap width must be positive"); limit = w
        case .words(let w): precondition(w > 0, "wrap width must be positive"); limit = w; words = true
        }
        rows = []
        var i = 0
        var cells: [DisplayCell] = []
        var col = 0
        var lastBlank = -1  // index in `cells` of the last blank on the current row
        var rowStart = start.value
        while i < clusters.count {
            let (ch, at, n) = clusters[i]
            let glyph = DisplayWidth.glyph(for: ch)
            var w = DisplayWidth.width(of: glyph, atColumn: Column(col), tabWidth: tabWidth)
            if glyph == .tab && col < limit { w = min(w, limit - col) }
            if col > 0 && col + w > limit {
                // Break the row: after the last blank in word mode, else before this cluster.
                if words && lastBlank >= 0 && lastBlank < cells.count - 1 {
                    let keep = lastBlank + 1
                    let resume = cells[keep].range.lowerBound.value
                    cells.removeSubrange(keep...)
                    while clusters[i].1 != resume { i -= 1 }
                }
                let end = cells.last!.range.upperBound
                rows.append(DisplayRow(range: UTF8Offset(rowStart)..<end, cells: cells, width: rowWidth(cells)))
                rowStart = end.value
                cells.removeAll(keepingCapacity: true)
                col = 0
                lastBlank = -1
                continue
            }
            cells.append(DisplayCell(range: UTF8Offset(at)..<UTF8Offset(at + n), column: Column(col), width: w, glyph: glyph))
            col += w
            if ch == " " || ch == "\t" { lastBlank = cells.count - 1 }
            i += 1
        }
        rows.append(DisplayRow(range: UTF8Offset(rowStart)..<UTF8Offset(pos), cells: cells, width: col))
    }

    /// The widest row's width (for an unwrapped line, the line's width).
    /// - Complexity: O(rows)
    public var width: Int { rows.reduce(0) { max($0, $1.width) } }

    /// The row and column of `offset` (clamped to the content). An offset on the boundary
    /// between two rows belongs to the later row; the content's end is on the last row.
    /// - Complexity: O(log rows + log cells)
    public func position(of offset: UTF8Offset) -> (row: Int, column: Column) {
        let o = min(max(offset, range.lowerBound), range.upperBound)
        var lo = 0
        var hi = rows.count - 1
        while lo < hi {  // last row starting at or before o
            let mid = (lo + hi + 1) / 2
            if rows[mid].range.lowerBound <= o { lo = mid } else { hi = mid - 1 }
        }
        // Empty trailing rows cannot occur, but a boundary offset equal to a row's start picks that row.
        return (lo, rows[lo].column(of: o))
    }

    /// The column of `offset` on its row (see `position(of:)`).
    /// - Complexity: O(log rows + log cells)
    public func column(of offset: UTF8Offset) -> Column { position(of: offset).column }

    /// The offset at `column` on row `row` (clamped to the existing rows): the start of the
    /// cluster covering the column, or, past the row's end, the content's end on the last row
    /// and the row's last cluster on the others.
    /// - Complexity: O(log cells)
    public func offset(row: Int, column: Column) -> UTF8Offset {
        let r = min(max(row, 0), rows.count - 1)
        return rows[r].offset(atColumn: column, pastEnd: r == rows.count - 1)
    }
}

private func rowWidth(_ cells: [DisplayCell]) -> Int {
    guard let last = cells.last else { return 0 }
    return last.column.value + last.width
}

extension Rope {
    /// Lays out the content of `line` (positions in the layout are offsets in the rope).
    /// - Complexity: O(log n + k) for a line of k bytes.
    public func layout(of line: Line, tabWidth: Int = DisplayWidth.defaultTabWidth, wrap: WrapMode = .none) -> LineLayout {
        let b = lineBounds(line)
        return LineLayout(string(b.start.utf8, b.contentEnd.utf8), start: UTF8Offset(b.start.utf8), tabWidth: tabWidth, wrap: wrap)
    }

    /// The display rows of `line` soft-wrapped at `width` columns, never splitting a grapheme
    /// cluster (`wordWrap` breaks after blanks when it can).
    /// - Complexity: O(log n + k) for a line of k bytes.
    public func wrap(line: Line, width: Int, tabWidth: Int = DisplayWidth.defaultTabWidth, wordWrap: Bool = false) -> [DisplayRow] {
        layout(of: line, tabWidth: tabWidth, wrap: wordWrap ? .words(width: width) : .characters(width: width)).rows
    }

    /// The display column of `offset` in its (unwrapped) line, tabs expanded: the column of
    /// the grapheme cluster containing it. An offset in a line break counts as the content's end.
    /// - Complexity: O(log n + k) for the k bytes of the line before `offset`.
    public func column<O: TextOffset>(of offset: O, tabWidth: Int = DisplayWidth.defaultTabWidth) -> Column {
        precondition(tabWidth > 0, "tab width must be positive")
        let p = prefix(offset)
        let b = lineBounds(Line(p.newlines))
        let target = min(p.utf8, b.contentEnd.utf8)
        // Lay out up to the end of the cluster containing `target` (so it is seen whole).
        var end = target
        if target < b.contentEnd.utf8 {
            end = min(b.contentEnd.utf8, graphemeRange(containing: UTF8Offset(target)).upperBound.value)
        }
        var col = 0
        var pos = b.start.utf8
        for ch in string(b.start.utf8, end) {
            let n = ch.utf8.count
            if pos + n > target { break }
            col += DisplayWidth.width(of: ch, atColumn: Column(col), tabWidth: tabWidth)
            pos += n
        }
        return Column(col)
    }

    /// The start of the grapheme cluster at display `column` of `line` (unwrapped, tabs
    /// expanded), or the end of the line's content when the column is past it: where a mouse
    /// click or a vertical move to that column lands.
    /// - Complexity: O(log n + k) for the k bytes of the line before the column.
    public func offset(atColumn column: Column, in line: Line, tabWidth: Int = DisplayWidth.defaultTabWidth) -> UTF8Offset {
        precondition(tabWidth > 0, "tab width must be positive")
        let b = lineBounds(line)
        var col = 0
        var pos = b.start.utf8
        // Walk chunks of the line so a click near the start of a long line stays cheap.
        var chunkStart = b.start.utf8
        while chunkStart < b.contentEnd.utf8 {
            var chunkEnd = min(b.contentEnd.utf8, chunkStart + 4096)
            if chunkEnd < b.contentEnd.utf8 {
                chunkEnd = graphemeRange(containing: UTF8Offset(chunkEnd)).lowerBound.value
                if chunkEnd <= chunkStart { chunkEnd = graphemeRange(containing: UTF8Offset(chunkStart)).upperBound.value }
            }
            for ch in string(chunkStart, chunkEnd) {
                let w = DisplayWidth.width(of: ch, atColumn: Column(col), tabWidth: tabWidth)
                if column.value < col + w { return UTF8Offset(pos) }
                col += w
                pos += ch.utf8.count
            }
            chunkStart = chunkEnd
        }
        return UTF8Offset(b.contentEnd.utf8)
    }

    /// `offset(atColumn:in:tabWidth:)` in the unit of `O`.
    /// - Complexity: O(log n + k) for the k bytes of the line before the column.
    public func offset<O: TextOffset>(atColumn column: Column, in line: Line, tabWidth: Int = DisplayWidth.defaultTabWidth, as _: O.Type) -> O {
        convertBytePosition(offset(atColumn: column, in: line, tabWidth: tabWidth).value, to: O.self)
    }
}
