import StetEditor

/// What a complete control sequence that ncurses did not recognise means.
enum SequenceMeaning: Equatable {
    case event(Event)
    /// Bracketed paste starts (`\e[200~`) or ends (`\e[201~`).
    case pasteBegin, pasteEnd
    /// `\e[M` of the legacy X10 mouse encoding: three more characters follow.
    case legacyMouse
    /// Understood but nothing for the editor (focus reports, unknown keys, other buttons).
    case ignored
}

/// Decodes the escape sequences StetTerminal parses itself rather than through terminfo: SGR
/// (1006) mouse reports, CSI-u and xterm `modifyOtherKeys` keys, xterm-style modified keys
/// for terminal types whose terminfo lacks them, and bracketed paste markers. Pure.
enum EscapeSequences {
    /// A CSI sequence `ESC [ <private> <parameters> <final>`. `privateMarker` is one of
    /// `< = > ?` or nil; `parameters` is the text between it and the final byte.
    static func csi(privateMarker: Character?, parameters: String, final: Character)
        -> SequenceMeaning
    {
        let fields = parameters.split(separator: ";", omittingEmptySubsequences: false)
            .map { Int($0.split(separator: ":").first ?? "") }
        if privateMarker == "<" {
            guard final == "M" || final == "m", fields.count == 3,
                let button = fields[0], let x = fields[1], let y = fields[2]
            else { return .ignored }
            let event = mouse(button: button, row: y - 1, column: x - 1, released: final == "m")
            return event.map { .event(.mouse($0)) } ?? .ignored
        }
        guard privateMarker == nil else { return .ignored }
        if final == "M" && parameters.isEmpty { return .legacyMouse }
        let number = fields.first.flatMap { $0 } ?? 1
        let mods = fields.count > 1 ? KeyDecoder.modifiers(xtermParameter: fields[1] ?? 1) : []
        switch final {
        case "~":
            if number == 200 { return .pasteBegin }
            if number == 201 { return .pasteEnd }
            if number == 27, fields.count >= 3, let code = fields[2] {
                return key(codePoint: code, modifiers: mods)
            }
            guard let key = tildeKeys[number] else { return .ignored }
            return .event(.key(KeyEvent(key, mods)))
        case "u":
            return key(codePoint: number, modifiers: mods)
        case "Z":
            return .event(.key(KeyEvent(.tab, mods.union(.shift))))
        default:
            return letterKey(final, modifiers: mods)
        }
    }

    /// An SS3 sequence `ESC O <final>` (application-mode cursor keys, F1...F4).
    static func ss3(final: Character) -> Event? {
        if case .event(let event) = letterKey(final, modifiers: []) { return event }
        return nil
    }

    /// The three characters after a legacy `\e[M` (each value + 32; coordinates 1-based).
    static func legacyMouse(_ b: UInt32, _ x: UInt32, _ y: UInt32) -> Event? {
        guard b >= 32, x >= 33, y >= 33 else { return nil }
        let button = Int(b - 32)
        let release = button & 0b1100011 == 3
        return mouse(button: button, row: Int(y) - 33, column: Int(x) - 33, released: release)
            .map { .mouse($0) }
    }

    /// A mouse report's button byte: bits 0-1 button (3: released, legacy), 4 Shift, 8 Alt,
    /// 16 Ctrl, 32 motion, 64 wheel, 128 extra buttons. Only the left button and the vertical
    /// wheel are reported (`MouseEvent` has no button field).
    static func mouse(button: Int, row: Int, column: Int, released: Bool) -> MouseEvent? {
        guard row >= 0, column >= 0, button & 128 == 0 else { return nil }
        var mods: Modifiers = []
        if button & 4 != 0 { mods.insert(.shift) }
        if button & 8 != 0 { mods.insert(.alt) }
        if button & 16 != 0 { mods.insert(.ctrl) }
        let low = button & 3
        let kind: MouseEvent.Kind
        if button & 64 != 0 {
            guard !released, low < 2 else { return nil }
            kind = low == 0 ? .wheelUp : .wheelDown
        } else if released {
            guard low == 0 || low == 3 else { return nil }
            kind = .release
        } else if button & 32 != 0 {
            guard low == 0 else { return nil }
            kind = .drag
        } else {
            guard low == 0 else { return nil }
            kind = .press
        }
        return MouseEvent(kind, row: row, column: column, modifiers: mods)
    }

    /// A key given as a Unicode code point with modifiers (CSI-u, `modifyOtherKeys`).
    /// Letters with Ctrl or Alt come out lower-case, Shift kept (Ctrl-Shift-Z is
    /// `.char("z")` with `[.ctrl, .shift]`); with Shift alone the shifted character is the key.
    static func key(codePoint: Int, modifiers: Modifiers) -> SequenceMeaning {
        var mods = modifiers
        let key: Key
        switch codePoint {
        case 9: key = .tab
        case 13: key = .enter
        case 27: key = .escape
        case 8, 127: key = .backspace
        default:
            guard codePoint >= 0x20, codePoint < 0xE000 || codePoint > 0xF8FF,
                let scalar = Unicode.Scalar(UInt32(codePoint)),
                KeyDecoder.isPrintable(scalar.value)
            else { return .ignored }
            var text = String(scalar)
            if !mods.isDisjoint(with: [.ctrl, .alt]) {
                let lower = text.lowercased()
                if lower != text {
                    text = lower
                    mods.insert(.shift)
                }
            } else {
                if mods.contains(.shift) { text = text.uppercased() }
                mods.remove(.shift)
            }
            guard text.count == 1, let c = text.first else { return .ignored }
            key = .char(c)
        }
        return .event(.key(KeyEvent(key, mods)))
    }

    private static func letterKey(_ final: Character, modifiers: Modifiers) -> SequenceMeaning {
        let keys: [Character: Key] = [
            "A": .up, "B": .down, "C": .right, "D": .left, "H": .home, "F": .end,
            "P": .function(1), "Q": .function(2), "R": .function(3), "S": .function(4),
        ]
        guard let key = keys[final] else { return .ignored }
        return .event(.key(KeyEvent(key, modifiers)))
    }

    private static let tildeKeys: [Int: Key] = [
        1: .home, 2: .insert, 3: .delete, 4: .end, 5: .pageUp, 6: .pageDown, 7: .home, 8: .end,
        11: .function(1), 12: .function(2), 13: .function(3), 14: .function(4),
        15: .function(5), 17: .function(6), 18: .function(7), 19: .function(8),
        20: .function(9), 21: .function(10), 23: .function(11), 24: .function(12),
    ]
}
