import StetCRDT
import StetEditor
import StetText
import XCTest

/// Test notation, in the domain's own terms.
///
/// Text with the selection marked inline: `|` is the cursor (the selection's head) and `^`
/// the selection's anchor when something is selected: `"he^ll|o"` selects "ll" forwards.
///
/// Keys as typed: plain characters are typed as themselves; `<…>` names a key with optional
/// modifiers: `<C-s>` Ctrl-S, `<S-Right>`, `<C-S-Left>`, `<A-:>`, `<Enter>`, `<Esc>`, `<Tab>`,
/// `<S-Tab>`, `<BS>`, `<Del>`, `<Home>`, `<End>`, `<PgUp>`, `<PgDn>`, `<F1>`, `<lt>` for "<".
enum Notation {
    static func parseMarked(_ s: String) -> (text: String, selection: Selection) {
        var text = ""
        var head: Int?
        var anchor: Int?
        for ch in s {
            if ch == "|" { head = text.utf8.count } else if ch == "^" { anchor = text.utf8.count } else { text.append(ch) }
        }
        let h = head ?? text.utf8.count
        return (text, Selection(anchor: UTF8Offset(anchor ?? h), head: UTF8Offset(h)))
    }

    static func marked(_ text: String, _ sel: Selection) -> String {
        var out = ""
        var i = 0
        let bytes = Array(text.utf8)
        func mark(_ at: Int) {
            if !sel.isEmpty && sel.anchor.value == at { out += "^" }
            if sel.head.value == at { out += "|" }
        }
        // Rebuild by grapheme so marks fall between clusters.
        for ch in text {
            mark(i)
            out.append(ch)
            i += ch.utf8.count
        }
        mark(bytes.count)
        return out
    }

    static func keys(_ s: String) -> [Event] {
        var out: [Event] = []
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "<", let close = s[i...].firstIndex(of: ">"), close > s.index(after: i) {
                let name = String(s[s.index(after: i)..<close])
                out.append(.key(named(name)))
                i = s.index(after: close)
            } else {
                out.append(.key(KeyEvent(.char(s[i]))))
                i = s.index(after: i)
            }
        }
        return out
    }

    static func named(_ name: String) -> KeyEvent {
        var parts = name.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        var mods: Modifiers = []
        while parts.count > 1 {
            switch parts[0] {
            case "C": mods.insert(.ctrl)
            case "S": mods.insert(.shift)
            case "A": mods.insert(.alt)
            default: fatalError("unknown modifier in <\(name)>")
            }
            parts.removeFirst()
        }
        let k = parts[0]
        let key: Key
        switch k {
        case "Enter": key = .enter
        case "Esc": key = .escape
        case "Tab": key = .tab
        case "BS": key = .backspace
        case "Del": key = .delete
        case "Left": key = .left
        case "Right": key = .right
        case "Up": key = .up
        case "Down": key = .down
        case "Home": key = .home
        case "End": key = .end
        case "PgUp": key = .pageUp
        case "PgDn": key = .pageDown
        case "lt": key = .char("<")
        case "": key = .char("-")
        default:
            if k.hasPrefix("F"), let n = Int(k.dropFirst()) { key = .function(n) }
            else if k.count == 1 { key = .char(k.first!) }
            else { fatalError("unknown key <\(name)>") }
        }
        return KeyEvent(key, mods)
    }
}

/// A clock the test moves by hand (milliseconds).
final class TestClock: @unchecked Sendable {
    var ms: UInt64 = 1_000
    func advance(_ d: UInt64) { ms += d }
}

/// An editor on a fresh document holding `text` (inserted as if loaded from disk).
func makeEditor(_ marked: String, rows: Int = 8, columns: Int = 40, settings: Settings = Settings(),
                clock: TestClock = TestClock(), clientID: ClientID = 1) -> Editor {
    let (text, sel) = Notation.parseMarked(marked)
    let doc = Doc(clientID: clientID)
    doc.transact(origin: "disk") { doc.getText("text").insert(text, at: 0) }
    let buffer = Buffer(doc: doc)
    let e = Editor(buffer: buffer, path: "/tmp/stet-test.txt", settings: settings, rows: rows, columns: columns, now: { clock.ms })
    e.markSaved()
    e.setCursor(sel.anchor)
    e.setCursor(sel.head, extend: true)
    return e
}

extension Editor {
    /// Feeds keys in notation; returns every effect.
    @discardableResult
    func type(_ keys: String) -> [Effect] {
        var out: [Effect] = []
        for e in Notation.keys(keys) { out += handle(e) }
        return out
    }

    var marked: String { Notation.marked(buffer.string, selection) }
}

/// Asserts that `keys` turn `before` into `after` (both in marked notation), and that the
/// CRDT text and the editor's mirror agree.
func assertKeys(_ before: String, _ keys: String, _ after: String, settings: Settings = Settings(),
                file: StaticString = #filePath, line: UInt = #line) {
    let e = makeEditor(before, settings: settings)
    e.type(keys)
    XCTAssertEqual(e.marked, after, "keys \(keys) on \(before)", file: file, line: line)
    XCTAssertEqual(e.buffer.text.string, e.buffer.string, "CRDT and mirror disagree", file: file, line: line)
}
