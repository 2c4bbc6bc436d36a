import StetText

/// The help screen (F1): every key and command, generated from the key map and the
/// command table so it never disagrees with what works.
extension Editor {
    func helpLines() -> [(String, Role)] {
        var out: [(String, Role)] = [
            ("stet — keys (Esc, F1 or q closes this; ↑ ↓ PgUp PgDn scroll)", .helpHeading),
            ("", .text),
        ]
        for b in Keymap.bindings where !b.label.isEmpty {
            out.append((pad(b.label, 24) + b.help, .text))
        }
        out.append(("Mouse: click places the cursor, drag selects, the wheel scrolls; Shift-click extends.", .text))
        out.append(("", .text))
        out.append(("Commands (Ctrl-P or Esc : then the command, Enter runs it)", .helpHeading))
        out.append(("", .text))
        for c in commands {
            let names = c.names.map { ":" + $0 }.joined(separator: " ")
            out.append((pad(names + (c.arguments.isEmpty ? "" : " " + c.arguments), 28) + c.help, .text))
        }
        out.append(("", .text))
        out.append(("Your edits are kept in .stet/ beside the file as you type (undo survives a restart);", .text))
        out.append(("the file itself changes when you save. Signals and dropped SSH links lose nothing.", .text))
        return out
    }

    func pad(_ s: String, _ n: Int) -> String {
        let w = DisplayWidth.width(of: s)
        return w >= n ? s + "  " : s + String(repeating: " ", count: n - w)
    }

    func renderHelp(_ f: inout Frame, scroll: Int) {
        let lines = helpLines()
        let start = min(scroll, max(lines.count - rows + 1, 0))
        for r in 0..<max(rows - 1, 0) where start + r < lines.count {
            let (text, role) = lines[start + r]
            put(&f, r, 1, text, Style(role, bold: role == .helpHeading))
        }
        if rows >= 1 {
            for c in 0..<f.columns { f[rows - 1, c] = Cell(" ", style: Style(.statusBar)) }
            put(&f, rows - 1, 1, "Help \(start + 1)–\(min(start + rows - 1, lines.count)) of \(lines.count) · Esc closes", Style(.statusBar))
        }
        f.cursor = nil
    }

    func helpKey(_ k: KeyEvent) -> [Effect] {
        let total = helpLines().count
        var s = helpScroll ?? 0
        switch k.key {
        case .escape, .function(1), .char("q"): helpScroll = nil; return []
        case .down: s += 1
        case .up: s -= 1
        case .pageDown, .char(" "): s += rows - 2
        case .pageUp: s -= rows - 2
        case .home: s = 0
        case .end: s = total
        default:
            if k == KeyEvent(.char("q"), .ctrl) { helpScroll = nil; return run(.quit, extend: false) }
            return []
        }
        helpScroll = min(max(s, 0), max(total - rows + 1, 0))
        return []
    }

    func mouse(_ m: MouseEvent) -> [Effect] {
        if helpScroll != nil {
            if m.kind == .wheelDown { helpScroll = (helpScroll ?? 0) + 3 }
            if m.kind == .wheelUp { helpScroll = max((helpScroll ?? 0) - 3, 0) }
            return []
        }
        switch m.kind {
        case .wheelUp, .wheelDown:
            top = row(top, movedBy: m.kind == .wheelUp ? -3 : 3)
            return []
        case .press, .drag:
            guard m.row < screenLines.count else {
                if m.kind == .drag, !screenLines.isEmpty, m.row >= screenLines.count, m.row < textHeight {
                    setCursor(rope.endOffset(UTF8Offset.self), extend: true)
                }
                return []
            }
            if prompt != nil && m.kind == .press { prompt = nil }
            let (p, r) = screenLines[m.row]
            let col = max(m.column - gutterWidth, 0) + (settings.wrap ? 0 : leftColumn)
            let o = p.offset(row: r, column: Column(col))
            let extend = m.kind == .drag ? dragging : m.modifiers.contains(.shift)
            if m.kind == .press { undoManager.stopCapturing() }
            let t = min(max(o, .zero), rope.endOffset(UTF8Offset.self))
            selection = extend ? Selection(anchor: selection.anchor, head: t) : Selection(cursor: t)
            goalColumn = nil
            dragging = true
            message = nil
            return []
        case .release:
            dragging = false
            return []
        }
    }
}
