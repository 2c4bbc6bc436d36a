import StetText

/// Cursor movement and scrolling. Horizontal movement is by grapheme cluster; vertical
/// movement is by display row (soft-wrapped rows count) and keeps a goal column.
extension Editor {
    /// Rows available for text (the status bar and message line take two).
    public var textHeight: Int { max(rows - 2, 1) }

    /// Columns taken by line numbers (with one blank after them).
    var gutterWidth: Int {
        guard settings.lineNumbers else { return 0 }
        var digits = 1
        var n = rope.lineCount
        while n >= 10 { digits += 1; n /= 10 }
        let w = max(digits, 3) + 1
        return w < columns - 4 ? w : 0
    }

    var textWidth: Int { max(columns - gutterWidth, 1) }

    var wrapMode: WrapMode { settings.wrap ? .words(width: textWidth) : .none }

    /// The layout of `line`, from the cache.
    func placed(_ line: Line) -> PlacedLine {
        let r = rope.lineRange(line)
        let content = rope.substring(r)
        return PlacedLine(line: line, start: r.lowerBound, layout: layouts.layout(content, tabWidth: settings.tabWidth, wrap: wrapMode))
    }

    func graphemeBefore(_ o: UTF8Offset) -> UTF8Offset { rope.graphemeBoundary(before: o) ?? .zero }
    func graphemeAfter(_ o: UTF8Offset) -> UTF8Offset { rope.graphemeBoundary(after: o) ?? rope.endOffset(UTF8Offset.self) }

    enum CharClass { case blank, word, punctuation, lineBreak }

    func charClass(_ c: Character?) -> CharClass {
        guard let c else { return .lineBreak }
        if c.isNewline { return .lineBreak }
        if c.isWhitespace { return .blank }
        if c.isLetter || c.isNumber || c == "_" { return .word }
        return .punctuation
    }

    /// The end of the next word after `o`: blanks, then a run of one class. A line break
    /// stops the motion on its own.
    func wordBoundary(after o: UTF8Offset) -> UTF8Offset {
        let end = rope.endOffset(UTF8Offset.self)
        var p = o
        if p == end { return p }
        if charClass(rope.grapheme(at: p)) == .lineBreak { return graphemeAfter(p) }
        while p < end, charClass(rope.grapheme(at: p)) == .blank { p = graphemeAfter(p) }
        guard p < end else { return p }
        let k = charClass(rope.grapheme(at: p))
        if k == .lineBreak { return p }
        while p < end, charClass(rope.grapheme(at: p)) == k { p = graphemeAfter(p) }
        return p
    }

    /// The start of the word before `o` (mirror of `wordBoundary(after:)`).
    func wordBoundary(before o: UTF8Offset) -> UTF8Offset {
        var p = o
        if p == .zero { return p }
        var q = graphemeBefore(p)
        if charClass(rope.grapheme(at: q)) == .lineBreak { return q }
        while p > .zero, charClass(rope.grapheme(at: q)) == .blank {
            p = q
            if p == .zero { return p }
            q = graphemeBefore(p)
        }
        let k = charClass(rope.grapheme(at: q))
        if k == .lineBreak { return p }
        while p > .zero, charClass(rope.grapheme(at: q)) == k {
            p = q
            if p == .zero { break }
            q = graphemeBefore(p)
        }
        return p
    }

    /// Home: the first non-blank of the line, or column 0 when already there.
    func smartLineStart() -> UTF8Offset {
        let line = rope.line(containing: selection.head)
        let start = rope.lineStart(line)
        let content = rope.substring(start..<rope.lineEnd(line))
        let blanks = content.utf8.prefix { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }.count
        let first = start + blanks
        return selection.head == first ? start : first
    }

    /// The display row and column of an offset.
    func rowPosition(of o: UTF8Offset) -> (RowPosition, Column) {
        let line = rope.line(containing: o)
        let p = placed(line)
        let (row, col) = p.position(of: o)
        return (RowPosition(line: line, row: row), col)
    }

    /// The display row `n` rows after (negative: before) `pos`, clamped to the document.
    func row(_ pos: RowPosition, movedBy n: Int) -> RowPosition {
        var p = pos
        var left = n
        if !settings.wrap {
            let l = min(max(p.line.index + n, 0), rope.lineCount - 1)
            return RowPosition(line: Line(l), row: 0)
        }
        while left > 0 {
            let count = placed(p.line).rowCount
            if p.row + 1 < count { p.row += 1 } else if p.line.index + 1 < rope.lineCount { p = RowPosition(line: p.line + 1, row: 0) } else { break }
            left -= 1
        }
        while left < 0 {
            if p.row > 0 { p.row -= 1 } else if p.line.index > 0 {
                let prev = p.line - 1
                p = RowPosition(line: prev, row: placed(prev).rowCount - 1)
            } else { break }
            left += 1
        }
        return p
    }

    /// The offset `n` display rows away from the cursor at the goal column.
    func verticalTarget(_ n: Int) -> UTF8Offset {
        let (pos, col) = rowPosition(of: selection.head)
        let goal = goalColumn ?? col.value
        goalColumn = goal
        let target = row(pos, movedBy: n)
        if target == pos {
            // Up on the first row goes to the start, Down on the last to the end.
            return n < 0 ? .zero : rope.endOffset(UTF8Offset.self)
        }
        return placed(target.line).offset(row: target.row, column: Column(goal))
    }

    func scrollPage(_ direction: Int) {
        top = row(top, movedBy: direction * max(textHeight - 1, 1))
    }

    /// Keeps `top` on an existing row.
    func clampTop() {
        if top.line.index >= rope.lineCount { top = RowPosition(line: Line(rope.lineCount - 1), row: 0) }
        if settings.wrap {
            let count = placed(top.line).rowCount
            if top.row >= count { top.row = count - 1 }
        } else {
            top.row = 0
        }
    }

    /// Scrolls so the cursor is on screen (and, without wrap, horizontally in view).
    public func scrollToCursor() {
        clampTop()
        let (pos, col) = rowPosition(of: selection.head)
        if pos < top {
            top = pos
        } else {
            let first = row(pos, movedBy: -(textHeight - 1))
            if top < first { top = first }
        }
        if settings.wrap {
            leftColumn = 0
        } else {
            let c = col.value
            let margin = min(8, textWidth / 4)
            if c < leftColumn { leftColumn = max(c - margin, 0) }
            if c >= leftColumn + textWidth { leftColumn = c - textWidth + 1 + margin }
        }
    }

    /// Puts `o` at the cursor and scrolls it into view.
    public func setCursor(_ o: UTF8Offset, extend: Bool = false) {
        let end = rope.endOffset(UTF8Offset.self)
        let c = min(max(o, .zero), end)
        selection = extend ? Selection(anchor: selection.anchor, head: c) : Selection(cursor: c)
        goalColumn = nil
        scrollToCursor()
    }

    /// Moves to a line (1-based), optionally a column (1-based display column).
    func goto(_ spec: String) -> [Effect] {
        let parts = spec.split(separator: ":").map { Int($0.trimmingBlanks()) }
        guard let first = parts.first, let lineNo = first, lineNo >= 1 || lineNo < 0 else {
            error("go to what? Give a line number, e.g. 40 or 40:7")
            return [.bell]
        }
        var l = lineNo < 0 ? rope.lineCount + lineNo : lineNo - 1
        l = min(max(l, 0), rope.lineCount - 1)
        let col = parts.count > 1 ? max((parts[1] ?? 1) - 1, 0) : 0
        let off = rope.offset(atColumn: Column(col), in: Line(l), tabWidth: settings.tabWidth)
        setCursor(off)
        // Put the target line in the upper third when jumping far.
        let (pos, _) = rowPosition(of: off)
        top = row(pos, movedBy: -(textHeight / 3))
        clampTop()
        scrollToCursor()
        return []
    }
}

extension Substring {
    func trimmingBlanks() -> Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
