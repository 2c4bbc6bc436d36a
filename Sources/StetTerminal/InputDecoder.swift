import StetEditor

/// One result of `get_wch`, as `Terminal` hands it to `InputDecoder`.
public enum RawInput: Hashable, Sendable {
    /// A character (`get_wch` returned OK): a Unicode scalar value.
    case character(UInt32)
    /// A key code (`KEY_CODE_YES`), by its `keyname()`.
    case key(name: String)
    /// The key codes `define_key` assigned to `\e[200~` and `\e[201~`.
    case pasteBegin, pasteEnd
    /// `KEY_RESIZE`, with the new size.
    case resize(rows: Int, columns: Int)
}

/// Turns what one drain of `get_wch` read into editor events. Pure (no ncurses), unit-tested.
///
/// - ESC followed in the same drain by a key is that key with `.alt` (Alt-x arrives as ESC
///   then x; ncurses already waited `ESCDELAY` for it). A lone ESC is `.escape`.
/// - ESC `[` ... is parsed as a control sequence ncurses did not recognise (SGR mouse, CSI-u,
///   `modifyOtherKeys`, xterm modified keys); unknown sequences are dropped, not typed.
///   A sequence cut off at the end of a drain is kept until the next `decode` or `flush`.
/// - Consecutive printable characters are grouped into grapheme clusters, so a ZWJ emoji or
///   a flag typed (or pasted without bracketed paste) is one `.char` event.
/// - Everything between the bracketed-paste markers is one `.paste`, across drains; a lone
///   CR becomes LF, CR LF is kept.
/// - Consecutive resizes collapse into the last one.
public struct InputDecoder {
    /// Inside a bracketed paste (its end marker not read yet).
    public private(set) var isPasting = false
    private var pasted = String.UnicodeScalarView()
    private var pending: [RawInput] = []

    public init() {}

    /// True when the last drain ended inside an escape sequence: read again shortly, then
    /// `flush()` if nothing more came.
    public var hasPendingSequence: Bool { !pending.isEmpty }

    /// Decodes one drain's worth of input (after anything pending from the previous one).
    public mutating func decode(_ batch: [RawInput]) -> [Event] {
        let items = pending + batch
        pending = []
        var out: [Event] = []
        run(items, final: false, into: &out)
        return out
    }

    /// Decodes a pending, cut-off escape sequence as well as it can.
    public mutating func flush() -> [Event] {
        let items = pending
        pending = []
        var out: [Event] = []
        run(items, final: true, into: &out)
        return out
    }

    /// Ends a bracketed paste whose end marker never came, delivering what was pasted.
    public mutating func finishPaste() -> [Event] {
        var out: [Event] = []
        if isPasting { endPaste(into: &out) }
        return out
    }

    // MARK: Decoding

    private mutating func run(_ items: [RawInput], final: Bool, into out: inout [Event]) {
        var i = 0
        while i < items.count {
            if isPasting {
                consumePasted(items[i], into: &out)
                i += 1
                continue
            }
            switch items[i] {
            case .pasteBegin:
                beginPaste()
            case .pasteEnd:
                break
            case .resize(let rows, let columns):
                appendResize(rows: rows, columns: columns, to: &out)
            case .key(let name):
                if let key = KeyDecoder.named(name) { out.append(.key(key)) }
            case .character(0x1B):
                guard let used = escape(items, at: i, final: final, into: &out) else {
                    pending = Array(items[i...])
                    return
                }
                i += used
                continue
            case .character(let code) where KeyDecoder.isPrintable(code):
                let (characters, used) = text(items, from: i)
                out += characters.map { .key(KeyEvent(.char($0))) }
                i += used
                continue
            case .character(let code):
                if let key = KeyDecoder.control(code) { out.append(.key(key)) }
            }
            i += 1
        }
    }

    /// The grapheme clusters of the run of printable characters starting at `start`, and
    /// how many items the run spans.
    private func text(_ items: [RawInput], from start: Int) -> ([Character], Int) {
        var scalars = String.UnicodeScalarView()
        var j = start
        while j < items.count, case .character(let code) = items[j], KeyDecoder.isPrintable(code),
            let scalar = Unicode.Scalar(code)
        {
            scalars.append(scalar)
            j += 1
        }
        return (Array(String(scalars)), j - start)
    }

    /// Decodes what follows the ESC at `i`. Returns how many items were used, or nil when
    /// the input ends inside a control sequence and more may follow.
    private mutating func escape(
        _ items: [RawInput], at i: Int, final: Bool, into out: inout [Event]
    ) -> Int? {
        let escapeKey = Event.key(KeyEvent(.escape))
        guard i + 1 < items.count else {
            out.append(escapeKey)
            return 1
        }
        switch items[i + 1] {
        case .character(0x5B):  // [
            return controlSequence(items, at: i, final: final, into: &out)
        case .character(0x4F):  // O
            if i + 2 < items.count, case .character(let code) = items[i + 2],
                let scalar = Unicode.Scalar(code),
                let event = EscapeSequences.ss3(final: Character(scalar))
            {
                out.append(event)
                return 3
            }
            out.append(.key(KeyEvent(.char("O"), .alt)))
            return 2
        case .character(0x1B):
            out.append(escapeKey)
            return 1
        case .character(let code) where KeyDecoder.isPrintable(code):
            let (characters, used) = text(items, from: i + 1)
            for (n, c) in characters.enumerated() {
                out.append(.key(KeyEvent(.char(c), n == 0 ? .alt : [])))
            }
            return 1 + used
        case .character(let code):
            if var key = KeyDecoder.control(code) {
                key.modifiers.insert(.alt)
                out.append(.key(key))
            }
            return 2
        case .key(let name):
            if var key = KeyDecoder.named(name) {
                key.modifiers.insert(.alt)
                out.append(.key(key))
            }
            return 2
        case .pasteBegin, .pasteEnd, .resize:
            out.append(escapeKey)
            return 1
        }
    }

    /// Parses `ESC [ <private> <parameters> <final>` starting at the ESC at `i`.
    private mutating func controlSequence(
        _ items: [RawInput], at i: Int, final: Bool, into out: inout [Event]
    ) -> Int? {
        let altBracket = Event.key(KeyEvent(.char("["), .alt))
        var j = i + 2
        var marker: Character?
        var parameters = ""
        var finalByte: Character?
        while j < items.count {
            guard case .character(let code) = items[j], code < 0x7F,
                let scalar = Unicode.Scalar(code)
            else { break }
            let c = Character(scalar)
            if j == i + 2 && "<=>?".contains(c) {
                marker = c
            } else if (0x20...0x3F).contains(code) {
                parameters.append(c)
            } else if (0x40...0x7E).contains(code) {
                finalByte = c
            }
            if finalByte != nil || !(0x20...0x7E).contains(code) { break }
            j += 1
        }
        guard let finalByte else {
            if j == items.count && j > i + 2 && !final { return nil }
            out.append(altBracket)
            return 2
        }
        var used = j - i + 1
        switch EscapeSequences.csi(privateMarker: marker, parameters: parameters, final: finalByte)
        {
        case .event(let event): out.append(event)
        case .pasteBegin: beginPaste()
        case .pasteEnd, .ignored: break
        case .legacyMouse:
            var bytes: [UInt32] = []
            while bytes.count < 3, i + used < items.count,
                case .character(let code) = items[i + used]
            {
                bytes.append(code)
                used += 1
            }
            if bytes.count < 3 && i + used == items.count && !final { return nil }
            if bytes.count == 3,
                let event = EscapeSequences.legacyMouse(bytes[0], bytes[1], bytes[2])
            {
                out.append(event)
            }
        }
        return used
    }

    private func appendResize(rows: Int, columns: Int, to out: inout [Event]) {
        if case .resize = out.last { out.removeLast() }
        out.append(.resize(rows: rows, columns: columns))
    }

    // MARK: Bracketed paste

    private mutating func beginPaste() {
        isPasting = true
        pasted = String.UnicodeScalarView()
    }

    private mutating func consumePasted(_ item: RawInput, into out: inout [Event]) {
        switch item {
        case .pasteEnd:
            endPaste(into: &out)
        case .character(let code):
            guard let scalar = Unicode.Scalar(code) else { return }
            pasted.append(scalar)
            // The end marker as plain characters, if ncurses did not match it as a key.
            if code == 0x7E, pasted.count >= 6,
                String(String.UnicodeScalarView(pasted.suffix(6))) == "\u{1B}[201~"
            {
                pasted.removeLast(6)
                endPaste(into: &out)
            }
        case .resize(let rows, let columns):
            appendResize(rows: rows, columns: columns, to: &out)
        case .key, .pasteBegin:
            break
        }
    }

    private mutating func endPaste(into out: inout [Event]) {
        isPasting = false
        let text = InputDecoder.normalizeLineBreaks(pasted)
        pasted = String.UnicodeScalarView()
        if !text.isEmpty { out.append(.paste(text)) }
    }

    /// Pasted text with each lone CR turned into LF (terminals send CR for a pasted newline);
    /// CR LF stays as it is.
    static func normalizeLineBreaks(_ scalars: String.UnicodeScalarView) -> String {
        var result = String.UnicodeScalarView()
        result.reserveCapacity(scalars.count)
        var previousWasCR = false
        for s in scalars {
            if previousWasCR { result.append(s == "\n" ? "\r" : "\n") }
            previousWasCR = s == "\r"
            if !previousWasCR { result.append(s) }
        }
        if previousWasCR { result.append("\n") }
        return String(result)
    }
}
