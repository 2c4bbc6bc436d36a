import StetText

/// A collaborator as the editor shows them: where their cursor and selection are in this
/// buffer (already resolved from their relative positions by the collaboration layer).
public struct RemotePeer: Hashable, Sendable {
    /// Their Yjs client id.
    public var id: UInt64
    public var name: String
    /// Which of the 8 peer colours (derived from the name by the caller).
    public var colorSlot: UInt8
    /// Their selection in this buffer, or nil when they have no cursor here.
    public var selection: Selection?
    /// Typed or moved recently (the name flag shows only then).
    public var active: Bool
    /// Joined with a read-only token.
    public var readOnly: Bool

    public init(id: UInt64, name: String, colorSlot: UInt8, selection: Selection?, active: Bool = true, readOnly: Bool = false) {
        self.id = id
        self.name = name
        self.colorSlot = colorSlot % 8
        self.selection = selection
        self.active = active
        self.readOnly = readOnly
    }
}

/// Text to show in a collaborator's colour (what they changed while we were away).
public struct Highlight: Hashable, Sendable {
    public var range: Range<UTF8Offset>
    public var colorSlot: UInt8
    public init(range: Range<UTF8Offset>, colorSlot: UInt8) {
        self.range = range
        self.colorSlot = colorSlot % 8
    }
}

extension Editor {
    /// Shows `highlights` until Esc (or `[]` to clear).
    public func show(_ highlights: [Highlight]) {
        self.highlights = highlights
        if let first = highlights.first { reveal(first.range.lowerBound) }
    }

    /// Replaces what the editor knows about collaborators (call after awareness changes and
    /// after remote updates). A followed peer's cursor is kept in view.
    public func setPeers(_ peers: [RemotePeer]) {
        self.peers = peers
        if let f = following {
            if let p = peers.first(where: { $0.id == f }), let s = p.selection {
                reveal(s.head)
            } else if !peers.contains(where: { $0.id == f }) {
                following = nil
                info("stopped following: they left")
            }
        }
    }

    /// Scrolls (without moving the cursor) so that `o` is on screen, a third from the top
    /// when it has to move.
    func reveal(_ o: UTF8Offset) {
        let (pos, _) = rowPosition(of: o)
        let last = row(top, movedBy: textHeight - 1)
        if pos < top || last < pos { top = row(pos, movedBy: -(textHeight / 3)) }
        clampTop()
    }

    /// The peer a name or number refers to ("" = the next one after the last jumped to).
    func peer(matching spec: String) -> RemotePeer? {
        let withCursor = peers.filter { $0.selection != nil }
        if spec.isEmpty {
            guard !withCursor.isEmpty else { return nil }
            let i = (withCursor.firstIndex { $0.id == lastJumped } ?? -1) + 1
            return withCursor[i % withCursor.count]
        }
        if let n = Int(spec), n >= 1, n <= peers.count { return peers[n - 1] }
        let lower = spec.lowercased()
        return peers.first { $0.name.lowercased() == lower } ?? peers.first { $0.name.lowercased().hasPrefix(lower) }
    }

    /// Moves the cursor to a peer's cursor.
    func jump(to spec: String) -> [Effect] {
        guard let p = peer(matching: spec) else {
            error(peers.isEmpty ? "nobody else is here" : "no peer \(spec.isEmpty ? "with a cursor" : "named \(spec)"): the status bar lists who is here")
            return [.bell]
        }
        guard let s = p.selection else { error("\(p.name) has no cursor in this text"); return [.bell] }
        lastJumped = p.id
        setCursor(s.head)
        info("at \(p.name)'s cursor")
        return []
    }

    /// Follow mode: the viewport tracks a peer's cursor until any key is pressed.
    func follow(_ spec: String) -> [Effect] {
        guard let p = peer(matching: spec) else {
            error(peers.isEmpty ? "nobody else is here to follow" : "no peer named \(spec)")
            return [.bell]
        }
        following = p.id
        if let s = p.selection { reveal(s.head) }
        info("following \(p.name) — any key stops")
        return []
    }

    /// The peers part of the status bar: "Ann● Bob○(ro)" (● active, ○ idle).
    var peersSummary: String {
        peers.map { $0.name + ($0.active ? "●" : "○") + ($0.readOnly ? "(ro)" : "") }.joined(separator: " ")
    }

    /// Paints highlighted ranges in their author's colour.
    func renderHighlights(_ f: inout Frame) {
        guard !highlights.isEmpty, !screenLines.isEmpty else { return }
        let gutter = gutterWidth
        let width = textWidth
        let shift = settings.wrap ? 0 : leftColumn
        for (screenRow, (placed, r)) in screenLines.enumerated() {
            let row = placed.layout.rows[r]
            let rowStart = placed.start + row.range.lowerBound.value
            let rowEnd = placed.start + row.range.upperBound.value
            for h in highlights where h.range.lowerBound < rowEnd && h.range.upperBound > rowStart {
                for cell in row.cells where h.range.contains(placed.start + cell.range.lowerBound.value) {
                    let x = cell.column.value - shift
                    for c in max(x, 0)..<max(min(x + cell.width, width), max(x, 0)) {
                        f[screenRow, gutter + c].style = Style(.peerSelection(h.colorSlot), underline: true)
                    }
                }
            }
        }
    }

    /// Paints peers' selections, cursors and (for active peers) name flags over the text.
    func renderPeers(_ f: inout Frame) {
        guard !peers.isEmpty, !screenLines.isEmpty else { return }
        let gutter = gutterWidth
        let width = textWidth
        let shift = settings.wrap ? 0 : leftColumn
        for p in peers {
            guard let s = p.selection else { continue }
            let slot = p.colorSlot
            for (screenRow, (placed, r)) in screenLines.enumerated() {
                let row = placed.layout.rows[r]
                let rowStart = placed.start + row.range.lowerBound.value
                let rowEnd = placed.start + row.range.upperBound.value
                let isLast = r == placed.rowCount - 1
                // Selection cells.
                if !s.isEmpty && s.range.lowerBound < rowEnd && s.range.upperBound > rowStart {
                    for cell in row.cells {
                        let o = placed.start + cell.range.lowerBound.value
                        guard s.range.contains(o) else { continue }
                        let x = cell.column.value - shift
                        for c in max(x, 0)..<min(x + cell.width, width) where f[screenRow, gutter + c].style.role != .selection {
                            f[screenRow, gutter + c].style = Style(.peerSelection(slot))
                        }
                    }
                }
                // The cursor cell and the name flag.
                let onRow = s.head >= rowStart && (s.head < rowEnd || (isLast && s.head <= rowEnd))
                guard onRow else { continue }
                let col = row.column(of: s.head - placed.start.value).value - shift
                guard col >= 0 && col < width else { continue }
                var cell = f[screenRow, gutter + col]
                if cell.width == 0 { continue }
                cell.style = Style(.peerCursor(slot))
                f[screenRow, gutter + col] = cell
                if p.active {
                    let flagRow = screenRow > 0 ? screenRow - 1 : screenRow + 1
                    if flagRow < textHeight {
                        let label = " " + p.name + " "
                        let start = min(gutter + col, max(f.columns - DisplayWidth.width(of: label), gutter))
                        // Do not cut a wide character in half where the flag ends or starts.
                        let end = put(&f, flagRow, start, label, Style(.peerFlag(slot), bold: true))
                        if end < f.columns && f[flagRow, end].width == 0 { f[flagRow, end] = Cell(" ", style: Style(.text)) }
                        if start > 0 && f[flagRow, start - 1].width == 2 { f[flagRow, start - 1] = Cell(" ", style: Style(.text)) }
                    }
                }
            }
        }
    }
}
