import StetText

/// Producing the frame: text rows with line numbers, the status bar and the message line.
extension Editor {
    /// The whole screen for the current state.
    /// - Complexity: O(visible text + rows × columns); layouts of unchanged lines are cached.
    public func render() -> Frame {
        var f = Frame(rows: rows, columns: columns)
        if let h = helpScroll {
            renderHelp(&f, scroll: h)
            return f
        }
        renderText(&f)
        renderHighlights(&f)
        renderPeers(&f)
        // A message wider than the screen takes more rows (up to a third of the screen)
        // above the last one, pushing the status bar up over the text until the next key.
        var messageRows: [String] = []
        if prompt == nil, let m = message, rows >= 3 {
            messageRows = Editor.wrapMessage(m.text, width: columns)
            let most = max(1, rows / 3)
            if messageRows.count > most {
                messageRows = Array(messageRows.prefix(most))
                messageRows[most - 1] = Editor.elided(messageRows[most - 1], width: columns)
            }
        }
        let extra = max(messageRows.count - 1, 0)
        if rows >= 2 { renderStatus(&f, row: rows - 2 - extra) }
        if extra > 0 {
            let style = Style(message?.isError == true ? .errorMessage : .message)
            for (i, text) in messageRows.enumerated() {
                let row = rows - 1 - extra + i
                for c in 0..<f.columns { f[row, c] = Cell(" ", style: Style(.text)) }
                put(&f, row, 0, text, style)
            }
            if let c = f.cursor, c.row >= rows - 2 - extra { f.cursor = nil }
        } else if rows >= 1 {
            renderMessage(&f, row: rows - 1)
        }
        return f
    }

    /// `text` in rows of at most `width` columns, broken at spaces where possible (a word
    /// longer than a row is cut where the row ends).
    public static func wrapMessage(_ text: String, width: Int) -> [String] {
        guard width > 0, DisplayWidth.width(of: text) > width else { return [text] }
        var rows: [String] = []
        var row = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let candidate = row.isEmpty ? String(word) : row + " " + word
            if DisplayWidth.width(of: candidate) <= width {
                row = candidate
                continue
            }
            if !row.isEmpty { rows.append(row) }
            row = ""
            var rowWidth = 0
            for g in word {
                let w = max(DisplayWidth.width(of: String(g)), 1)
                if rowWidth + w > width && rowWidth > 0 {
                    rows.append(row)
                    row = ""
                    rowWidth = 0
                }
                row.append(g)
                rowWidth += w
            }
        }
        if !row.isEmpty { rows.append(row) }
        return rows
    }

    /// `text` cut to `width` columns with "…" at the end.
    static func elided(_ text: String, width: Int) -> String {
        var out = ""
        var w = 0
        for g in text {
            let gw = max(DisplayWidth.width(of: String(g)), 1)
            if w + gw > width - 1 { break }
            out.append(g)
            w += gw
        }
        return out + "…"
    }

    /// Writes `s` at (row, column) up to `limit` columns; returns the column after it.
    @discardableResult
    func put(_ f: inout Frame, _ row: Int, _ col: Int, _ s: String, _ style: Style, limit: Int? = nil) -> Int {
        let end = min(limit ?? f.columns, f.columns)
        var c = col
        for g in s {
            switch DisplayWidth.glyph(for: g) {
            case .text(let t, let w):
                if c + w > end { return c }
                f[row, c] = Cell(t, width: UInt8(w), style: style)
                if w == 2 { f[row, c + 1] = .continuation(style) }
                c += w
            case .control(let t):
                for ch in t where c < end {
                    f[row, c] = Cell(String(ch), style: Style(.control))
                    c += 1
                }
            case .tab:
                if c < end { f[row, c] = Cell(" ", style: style); c += 1 }
            }
        }
        return c
    }

    func renderText(_ f: inout Frame) {
        clampTop()
        topAnchor = rope.lineStart(top.line)
        screenLines = []
        let gutter = gutterWidth
        let width = textWidth
        let sel = selection.range
        let cursorLine = rope.line(containing: selection.head)
        var matches: [Range<UTF8Offset>] = []
        var current: Range<UTF8Offset>?
        let showMatches = !find.query.isEmpty && {
            switch prompt?.kind {
            case .find?, .replaceConfirm?: return true
            default: return false
            }
        }()
        if showMatches {
            // Only what can be on screen: from the top line through a screenful of lines.
            let first = rope.lineStart(top.line)
            let lastLine = min(top.line.index + textHeight, rope.lineCount - 1)
            let last = rope.lineEnd(Line(lastLine))
            let q = queryBytes
            let h = find.haystack(rope, version: buffer.version)
            let ic = Search.ignoresCase(find.query)
            matches = Search.all(q, in: h, range: first.value..<min(last.value + q.count, h.count), ignoreCase: ic)
                .map { UTF8Offset($0)..<UTF8Offset($0 + q.count) }
            if !sel.isEmpty { current = sel }
        }
        var pos = top
        var screenRow = 0
        f.cursor = nil
        while screenRow < textHeight && pos.line.index < rope.lineCount {
            let p = placed(pos.line)
            let lineEnd = p.start + p.layout.range.upperBound.value
            let hasBreak = pos.line.index + 1 < rope.lineCount
            var r = pos.row
            while r < p.rowCount && screenRow < textHeight {
                screenLines.append((p, r))
                // Line number on a line's first row.
                if gutter > 0 {
                    if r == 0 {
                        let n = String(pos.line.index + 1)
                        let style = Style(pos.line == cursorLine ? .currentLineNumber : .lineNumber)
                        put(&f, screenRow, max(gutter - 1 - n.count, 0), n, style, limit: gutter - 1)
                    } else {
                        put(&f, screenRow, gutter - 2, "↪", Style(.wrapMarker), limit: gutter - 1)
                    }
                }
                let row = p.layout.rows[r]
                let shift = settings.wrap ? 0 : leftColumn
                for cell in row.cells {
                    let x = cell.column.value - shift
                    let w = cell.width
                    if x + w <= 0 { continue }
                    if x >= width { break }
                    let offset = p.start + cell.range.lowerBound.value
                    var style = Style.text
                    if current?.contains(offset) == true { style = Style(.currentMatch) }
                    else if sel.contains(offset) { style = Style(.selection) }
                    else if matches.contains(where: { $0.contains(offset) }) { style = Style(.match) }
                    if x < 0 || x + w > width {
                        // Cut by the window's edge: show the visible part as blanks.
                        for c in max(x, 0)..<min(x + w, width) { f[screenRow, gutter + c] = Cell(" ", style: Style(.wrapMarker)) }
                        continue
                    }
                    switch cell.glyph {
                    case .text(let t, let gw):
                        f[screenRow, gutter + x] = Cell(t, width: UInt8(gw), style: style)
                        if gw == 2 { f[screenRow, gutter + x + 1] = .continuation(style) }
                    case .control(let t):
                        let cs = style.role == .selection ? style : Style(.control)
                        for (i, ch) in t.enumerated() where i < w { f[screenRow, gutter + x + i] = Cell(String(ch), style: cs) }
                    case .tab:
                        for i in 0..<w { f[screenRow, gutter + x + i] = Cell(" ", style: style) }
                    }
                }
                let isLastRow = r == p.rowCount - 1
                // A selected line break shows as one selected blank after the line.
                if isLastRow && hasBreak && sel.contains(lineEnd) {
                    let x = row.width - shift
                    if x >= 0 && x < width { f[screenRow, gutter + x] = Cell(" ", style: Style(.selection)) }
                }
                if !settings.wrap && row.width - shift > width {
                    let last = gutter + width - 1
                    // Never half a wide character: its first half becomes a blank.
                    if f[screenRow, last].width == 0 && last > gutter { f[screenRow, last - 1] = Cell(" ", style: Style(.wrapMarker)) }
                    f[screenRow, last] = Cell("›", style: Style(.wrapMarker))
                }
                // The cursor.
                if selection.head >= p.start + row.range.lowerBound.value && (selection.head < p.start + row.range.upperBound.value || (isLastRow && selection.head <= lineEnd)) {
                    let col = row.column(of: selection.head - p.start.value).value - shift
                    if col >= 0 && col < width { f.cursor = (screenRow, gutter + col) }
                    else if settings.wrap && col >= width { f.cursor = (screenRow, gutter + width - 1) }
                }
                screenRow += 1
                r += 1
            }
            pos = RowPosition(line: pos.line + 1, row: 0)
        }
    }

    public var displayName: String {
        guard let p = path else { return title ?? "[scratch]" }
        return p.split(separator: "/").last.map(String.init) ?? p
    }

    func renderStatus(_ f: inout Frame, row: Int) {
        for c in 0..<f.columns { f[row, c] = Cell(" ", style: Style(.statusBar)) }
        // The column in the whole line (not in its wrapped row), as editors count it.
        let col = rope.column(of: selection.head, tabWidth: settings.tabWidth)
        let line = rope.line(containing: selection.head).index + 1
        // Segments in order of importance; the ones that do not fit are left out.
        var segments = ["Ln \(line), Col \(col.value + 1)"]
        if !selection.isEmpty { segments.append("(\(rope.graphemeCount(in: selection.range)) selected)") }
        if !peers.isEmpty { segments.append(peersSummary) }
        if let f = following, let p = peers.first(where: { $0.id == f }) { segments.insert("following \(p.name)", at: 0) }
        segments += ["UTF-8 " + (settings.lineBreak == "\r\n" ? "CRLF" : "LF"), presence, "F1 help"]
        let left = " " + displayName + (isModified ? " [+]" : "") + "  "
        let leftWidth = DisplayWidth.width(of: left)
        var right = ""
        for seg in segments {
            let candidate = right + (right.isEmpty ? "" : " ") + seg + " "
            if leftWidth + DisplayWidth.width(of: candidate) > f.columns { break }
            right = candidate
        }
        put(&f, row, 0, left, Style(.statusBarEmphasis, bold: true))
        put(&f, row, max(f.columns - DisplayWidth.width(of: right), 0), right, Style(.statusBar))
    }

    func renderMessage(_ f: inout Frame, row: Int) {
        if let p = prompt {
            let end = put(&f, row, 0, p.label, Style(.prompt, bold: true))
            // Keep the prompt's cursor visible in a long text by showing its tail.
            var text = p.text
            let room = f.columns - end - 1
            var before = String(text.prefix(p.cursor))
            while DisplayWidth.width(of: before) > room && !before.isEmpty {
                before.removeFirst()
                text.removeFirst()
            }
            let textEnd = put(&f, row, end, text, Style(.text))
            // A message (not found, wrapped…) shows on the right while the prompt is open.
            if let m = message, !m.text.isEmpty {
                let w = DisplayWidth.width(of: m.text)
                if textEnd + 2 + w <= f.columns {
                    put(&f, row, f.columns - w, m.text, Style(m.isError ? .errorMessage : .message))
                }
            }
            f.cursor = p.takesText ? (row, min(end + DisplayWidth.width(of: before), f.columns - 1)) : (row, min(end, f.columns - 1))
            return
        }
        if let m = message {
            put(&f, row, 0, m.text, Style(m.isError ? .errorMessage : .message))
        }
    }
}
