import StetCRDT
import StetText

/// One replacement in the text: `range` (UTF-8 offsets in the text just before it) became
/// `insertedUTF8` bytes of new text.
public struct TextChange: Equatable, Sendable {
    public var range: Range<UTF8Offset>
    public var insertedUTF8: Int

    public init(range: Range<UTF8Offset>, insertedUTF8: Int) {
        self.range = range
        self.insertedUTF8 = insertedUTF8
    }

    /// Where `offset` is after the change. Offsets inside the replaced range go to its start,
    /// or to the end of the inserted text when `stickToEnd` (a cursor just after typed text).
    /// - Complexity: O(1)
    public func map(_ offset: UTF8Offset, stickToEnd: Bool = false) -> UTF8Offset {
        let delta = insertedUTF8 - range.lowerBound.distance(to: range.upperBound)
        if offset < range.lowerBound { return offset }
        if offset == range.lowerBound && range.isEmpty {
            return stickToEnd ? offset + insertedUTF8 : offset
        }
        if offset >= range.upperBound { return offset + delta }
        return stickToEnd ? range.lowerBound + insertedUTF8 : range.lowerBound
    }
}

/// The text being edited: the CRDT's `YText` is the truth, `rope` mirrors it for fast
/// line, column and grapheme queries. Every change — typed here, undone, or arriving from a
/// peer — reaches the mirror through the same observer, in order, as `TextChange`s.
public final class Buffer {
    /// The origin of transactions typed by this editor's user (the undo manager tracks it).
    public static let localOrigin: Origin = "stet.local"

    public let doc: Doc
    public let text: YText
    public private(set) var rope: Rope
    /// Increases with every change to the text.
    public private(set) var version = 0
    /// The changes of the last transaction that changed the text.
    public private(set) var lastChanges: [TextChange] = []
    /// The name of the shared text in the document.
    public let textName: String
    /// Called after each transaction that changed the text, with its changes in order.
    var onChange: [([TextChange], TextEvent) -> Void] = []
    private var observer = 0

    /// - Parameter knownText: the document's text when the caller already has it as a
    ///   `String` (saves converting it from the document's UTF-16).
    /// - Complexity: O(n) to build the mirror.
    public init(doc: Doc, textName: String = "text", knownText: String? = nil) {
        self.doc = doc
        self.textName = textName
        text = doc.getText(textName)
        rope = Rope(knownText ?? text.string)
        observer = text.observe { [unowned self] event in self.apply(event) }
    }

    deinit { doc.removeObserver(observer) }

    /// The whole text.
    /// - Complexity: O(n)
    public var string: String { rope.string }

    /// Whether the text is exactly `s`, byte for byte (no Unicode normalization).
    /// - Complexity: O(n)
    public func hasText(_ s: String) -> Bool {
        guard s.utf8.count == rope.utf8Count else { return false }
        var copy = s
        return copy.withUTF8 { mine in
            var pos = 0
            var equal = true
            rope.forEachUTF8Chunk { chunk in
                guard equal else { return }
                if !Buffer.sameBytes(chunk, mine, at: pos) { equal = false }
                pos += chunk.count
            }
            return equal
        }
    }

    private static func sameBytes(_ chunk: UnsafeBufferPointer<UInt8>, _ whole: UnsafeBufferPointer<UInt8>, at pos: Int) -> Bool {
        guard pos + chunk.count <= whole.count else { return false }
        for i in 0..<chunk.count where chunk[i] != whole[pos + i] { return false }
        return true
    }

    private func apply(_ event: TextEvent) {
        var changes: [TextChange] = []
        var p16 = 0
        for d in event.delta {
            switch d {
            case .retain(let n):
                p16 += n
            case .insert(let s):
                let at = rope.utf8Offset(of: UTF16Offset(p16))
                rope.insert(s, at: at)
                changes.append(TextChange(range: at..<at, insertedUTF8: s.utf8.count))
                p16 += s.utf16.count
            case .delete(let n):
                let a = rope.utf8Offset(of: UTF16Offset(p16))
                let b = rope.utf8Offset(of: UTF16Offset(p16 + n))
                rope.delete(a..<b)
                changes.append(TextChange(range: a..<b, insertedUTF8: 0))
            }
        }
        guard !changes.isEmpty else { return }
        version += 1
        lastChanges = changes
        for f in onChange { f(changes, event) }
    }

    /// Replaces `edits` (ranges in the current text, not overlapping) in one transaction.
    /// - Complexity: O(k log n) for k edits, plus the CRDT's cost per edit.
    public func replace(_ edits: [(range: Range<UTF8Offset>, text: String)], origin: Origin = Buffer.localOrigin) {
        let sorted = edits.sorted { $0.range.lowerBound > $1.range.lowerBound }
        guard sorted.contains(where: { !$0.range.isEmpty || !$0.text.isEmpty }) else { return }
        // Convert every range before touching the text: later (lower) edits keep their offsets.
        let converted = sorted.map { e in
            (rope.utf16Offset(of: e.range.lowerBound).value, rope.utf16Offset(of: e.range.upperBound).value, e.text)
        }
        doc.transact(origin: origin) {
            for (a, b, s) in converted {
                if b > a { text.delete(at: a, count: b - a) }
                if !s.isEmpty { text.insert(s, at: a) }
            }
        }
    }

    /// Replaces one range.
    public func replace(_ range: Range<UTF8Offset>, with s: String, origin: Origin = Buffer.localOrigin) {
        replace([(range, s)], origin: origin)
    }
}
