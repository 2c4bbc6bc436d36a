import StetEditor

/// Turns one `get_wch` result into a key, purely: no ncurses calls, so it is unit-tested.
///
/// Key codes are decoded by their `keyname()`, never by number: ncurses assigns the codes of
/// extended keys such as `kUP5` (Ctrl-Up) dynamically per terminal type.
///
/// Decisions:
/// - 0x08 (Ctrl-H) is Backspace, as many terminals send it for Backspace; Ctrl-H cannot be
///   bound separately. 0x7F and `KEY_BACKSPACE` are Backspace too.
/// - 0x09 is Tab, 0x0A and 0x0D are Enter, 0x1B is Escape (the ESC-prefix meaning "Alt" is
///   handled by `InputDecoder`).
/// - NUL (Ctrl-Space, Ctrl-@) is `.char(" ")` with `.ctrl`.
/// - 0x1C...0x1F are Ctrl with `\`, `]`, `^` and `/` (0x1F is also Ctrl-_ and Ctrl-7; Ctrl-/
///   is what people press).
/// - F13...F24 are Shift-F1...F12, F25...F36 Ctrl, F37...F48 Ctrl-Shift, F49...F60 Alt and
///   F61...F63 Alt-Shift (xterm's numbering, which terminfo follows).
public enum KeyDecoder {
    /// Decodes a character (`isKeyCode == false`; `code` is a Unicode scalar value) or an
    /// ncurses key code (`isKeyCode == true`; `keyName` is its `keyname()`).
    /// Returns nil for codes that are no key (C1 controls, `KEY_RESIZE`, `KEY_MOUSE`,
    /// unknown names, invalid scalars).
    public static func decode(code: UInt32, isKeyCode: Bool, keyName: String?) -> KeyEvent? {
        if isKeyCode { return keyName.flatMap(named) }
        if let control = control(code) { return control }
        guard isPrintable(code), let scalar = Unicode.Scalar(code) else { return nil }
        return KeyEvent(.char(Character(scalar)))
    }

    /// True for scalars that are text, not control characters (C0, DEL, C1).
    public static func isPrintable(_ code: UInt32) -> Bool {
        code >= 0x20 && code != 0x7F && !(0x80...0x9F).contains(code)
            && Unicode.Scalar(code) != nil
    }

    /// A C0 control character or DEL as a key; nil for anything else.
    public static func control(_ code: UInt32) -> KeyEvent? {
        switch code {
        case 0x00: return KeyEvent(.char(" "), .ctrl)
        case 0x08, 0x7F: return KeyEvent(.backspace)
        case 0x09: return KeyEvent(.tab)
        case 0x0A, 0x0D: return KeyEvent(.enter)
        case 0x1B: return KeyEvent(.escape)
        case 0x01...0x1A:
            return KeyEvent(.char(Character(Unicode.Scalar(UInt8(code + 0x60)))), .ctrl)
        case 0x1C: return KeyEvent(.char("\\"), .ctrl)
        case 0x1D: return KeyEvent(.char("]"), .ctrl)
        case 0x1E: return KeyEvent(.char("^"), .ctrl)
        case 0x1F: return KeyEvent(.char("/"), .ctrl)
        default: return nil
        }
    }

    /// The modifiers of an xterm modifier parameter (the `5` in `\e[1;5A` and in `kUP5`):
    /// 1 + (1 Shift, 2 Alt, 4 Ctrl, 8 Meta, which counts as Alt).
    public static func modifiers(xtermParameter p: Int) -> Modifiers {
        guard p > 1 else { return [] }
        let bits = p - 1
        var m: Modifiers = []
        if bits & 1 != 0 { m.insert(.shift) }
        if bits & 2 != 0 || bits & 8 != 0 { m.insert(.alt) }
        if bits & 4 != 0 { m.insert(.ctrl) }
        return m
    }

    /// Function key `n` as ncurses numbers it (1...63), folded to F1...F12 plus modifiers.
    public static func function(_ n: Int) -> KeyEvent? {
        guard n >= 1 && n <= 63 else { return nil }
        let bank = (n - 1) / 12
        let mods: [Modifiers] = [[], .shift, .ctrl, [.ctrl, .shift], .alt, [.alt, .shift]]
        return KeyEvent(.function((n - 1) % 12 + 1), mods[bank])
    }

    /// A key by its ncurses `keyname()`: "KEY_UP", "KEY_F(5)", "kUP5", ...
    public static func named(_ name: String) -> KeyEvent? {
        if let key = standardKeys[name] { return key }
        if name.hasPrefix("KEY_F("), name.hasSuffix(")"),
            let n = Int(name.dropFirst(6).dropLast())
        {
            return function(n)
        }
        return extended(name)
    }

    /// ncurses' extended names for modified keys: `kUP5` is Ctrl-Up, `kDC` (no digit)
    /// Shift-Delete; the digit is an xterm modifier parameter (2...8).
    static func extended(_ name: String) -> KeyEvent? {
        var base = Substring(name)
        var parameter = 2
        if let last = base.last, let digit = last.wholeNumberValue {
            guard (2...8).contains(digit) else { return nil }
            parameter = digit
            base = base.dropLast()
        }
        guard let key = extendedBases[String(base)] else { return nil }
        return KeyEvent(key, modifiers(xtermParameter: parameter))
    }

    private static let extendedBases: [String: Key] = [
        "kUP": .up, "kDN": .down, "kLFT": .left, "kRIT": .right,
        "kHOM": .home, "kEND": .end, "kPRV": .pageUp, "kNXT": .pageDown,
        "kDC": .delete, "kIC": .insert,
    ]

    private static let standardKeys: [String: KeyEvent] = [
        "KEY_UP": KeyEvent(.up), "KEY_DOWN": KeyEvent(.down),
        "KEY_LEFT": KeyEvent(.left), "KEY_RIGHT": KeyEvent(.right),
        "KEY_HOME": KeyEvent(.home), "KEY_END": KeyEvent(.end),
        "KEY_PPAGE": KeyEvent(.pageUp), "KEY_NPAGE": KeyEvent(.pageDown),
        "KEY_DC": KeyEvent(.delete), "KEY_IC": KeyEvent(.insert),
        "KEY_BACKSPACE": KeyEvent(.backspace), "KEY_ENTER": KeyEvent(.enter),
        "KEY_BTAB": KeyEvent(.tab, .shift),
        "KEY_SR": KeyEvent(.up, .shift), "KEY_SF": KeyEvent(.down, .shift),
        "KEY_SLEFT": KeyEvent(.left, .shift), "KEY_SRIGHT": KeyEvent(.right, .shift),
        "KEY_SHOME": KeyEvent(.home, .shift), "KEY_SEND": KeyEvent(.end, .shift),
        "KEY_SPREVIOUS": KeyEvent(.pageUp, .shift), "KEY_SNEXT": KeyEvent(.pageDown, .shift),
        "KEY_SDC": KeyEvent(.delete, .shift), "KEY_SIC": KeyEvent(.insert, .shift),
        // Keypad corners and VT220 editing keys some terminal types use for Home and End.
        "KEY_A1": KeyEvent(.home), "KEY_A3": KeyEvent(.pageUp),
        "KEY_C1": KeyEvent(.end), "KEY_C3": KeyEvent(.pageDown),
        "KEY_FIND": KeyEvent(.home), "KEY_SELECT": KeyEvent(.end),
    ]
}
