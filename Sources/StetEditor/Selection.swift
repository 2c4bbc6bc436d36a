import StetText

/// The cursor and the selection: `head` is where the cursor is, `anchor` where the selection
/// started. Equal means no selection. Offsets are UTF-8 offsets into the buffer's text and
/// always lie on grapheme-cluster boundaries.
public struct Selection: Hashable, Sendable {
    public var anchor: UTF8Offset
    public var head: UTF8Offset

    public init(anchor: UTF8Offset, head: UTF8Offset) {
        self.anchor = anchor
        self.head = head
    }

    public init(cursor: UTF8Offset) { self.init(anchor: cursor, head: cursor) }

    public var isEmpty: Bool { anchor == head }
    public var range: Range<UTF8Offset> { min(anchor, head)..<max(anchor, head) }

    /// The selection after `changes` (in order). The cursor of an empty selection stays after
    /// text inserted exactly at it only when `typedHere` (the user's own typing).
    public func mapped(through changes: [TextChange], typedHere: Bool = false) -> Selection {
        var s = self
        for c in changes {
            s.anchor = c.map(s.anchor, stickToEnd: typedHere)
            s.head = c.map(s.head, stickToEnd: typedHere)
        }
        return s
    }
}
