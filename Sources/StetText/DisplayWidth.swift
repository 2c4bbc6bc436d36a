// Terminal display width, from Unicode properties only (no C locale, no wcwidth).
//
// A grapheme cluster occupies the width of its first scalar (its base): 2 for East Asian
// Wide/Fullwidth and for emoji presentation, 1 otherwise. Within a cluster, combining marks,
// ZWJ, variation selectors, emoji modifiers and tags add nothing, except that an emoji base
// followed by VS16 (U+FE0F) or a skin-tone modifier is shown as an emoji, width 2. So
// "e"+U+0301 is 1, a ZWJ family 2, a flag 2, "❤️" 2, "1️⃣" 2. East Asian Ambiguous counts 1.
//
// Characters that would be invisible or disturb the terminal are shown as visible ASCII
// stand-ins: C0 controls and DEL in caret notation ("^A", "^[", "^?", width 2), C1 controls,
// format characters (U+200B, U+FEFF, bidi controls…) and U+2028/U+2029 as "<85>", "<200b>",
// "<202e>". A tab expands to the next tab stop. A cluster that starts with a combining mark
// (no base, e.g. at the start of a line) is drawn on a dotted circle U+25CC, width 1.

/// How to draw one grapheme cluster.
public enum Glyph: Hashable, Sendable {
    /// Draw this text as is (the cluster itself, or the cluster on a U+25CC dotted circle when
    /// it has no base); occupies `width` columns.
    case text(String, width: Int)
    /// A visible ASCII stand-in for a control or format character (e.g. "^A", "<200b>"),
    /// one column per character; renderers may style it differently.
    case control(String)
    /// A tab: blanks up to the next tab stop.
    case tab
}

/// Display width of text in terminal cells.
public enum DisplayWidth {
    /// The default distance between tab stops.
    public static let defaultTabWidth = 8

    /// True when `scalar` is East Asian Wide or Fullwidth (EastAsianWidth.txt, Unicode 15.1,
    /// plus the emoji added in 16.0), which terminals draw two cells wide.
    /// - Complexity: O(log r) for r ≈ 130 table ranges.
    public static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x1100 { return false }
        var lo = 0
        var hi = wideRanges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let r = wideRanges[mid]
            if v < r.0 { hi = mid } else if v > r.1 { lo = mid + 1 } else { return true }
        }
        return false
    }

    /// True for scalars that take no cell of their own after a base: nonspacing and enclosing
    /// marks (including variation selectors), default-ignorable format characters (ZWJ,
    /// ZWNJ, tags…), and Hangul medial vowels and final consonants.
    /// - Complexity: O(1)
    public static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x300 { return false }
        if (0x1160...0x11FF).contains(v) || (0xD7B0...0xD7FF).contains(v) { return true }
        let p = scalar.properties
        switch p.generalCategory {
        case .nonspacingMark, .enclosingMark: return true
        case .format: return p.isDefaultIgnorableCodePoint
        default: return false
        }
    }

    /// The visible stand-in for a control or format scalar: "^@"..."^_" for C0, "^?" for DEL,
    /// "<80>"..."<9f>" for C1, "<200b>"-style hex for format characters (Cf) and the line and
    /// paragraph separators. Nil for every other scalar (including tab, which expands).
    /// - Complexity: O(1)
    public static func visibleControl(_ scalar: Unicode.Scalar) -> String? {
        let v = scalar.value
        if v < 0x20 {
            if v == 0x09 { return nil }
            return "^" + String(Character(Unicode.Scalar(UInt8(v + 0x40))))
        }
        if v < 0x7F { return nil }
        if v == 0x7F { return "^?" }
        if v <= 0x9F { return hex(v) }
        if v < 0xAD { return nil }
        switch scalar.properties.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator: return hex(v)
        default: return nil
        }
    }

    static func hex(_ v: UInt32) -> String {
        let h = String(v, radix: 16)
        return "<" + (h.count < 2 ? "0" + h : h) + ">"
    }

    /// How to draw `grapheme` (see the type's notes for the rules).
    /// - Complexity: O(k) in the cluster's scalars.
    public static func glyph(for grapheme: Character) -> Glyph {
        let scalars = grapheme.unicodeScalars
        let base = scalars.first!
        let v = base.value
        // Fast path: printable ASCII is always a cluster of its own... except before a mark,
        // so only when the cluster has one scalar.
        if v >= 0x20 && v < 0x7F && scalars.count == 1 { return .text(String(grapheme), width: 1) }
        if v == 0x09 { return .tab }
        let category = base.properties.generalCategory
        if category == .control {
            // A control is its own cluster, except "\r\n".
            var s = ""
            for x in scalars { s += visibleControl(x) ?? hex(x.value) }
            return .control(s)
        }
        if scalars.count == 1, let c = visibleControl(base) { return .control(c) }
        if isZeroWidth(base) { return .text("\u{25CC}" + String(grapheme), width: 1) }
        if isWide(base) || base.properties.isEmojiPresentation { return .text(String(grapheme), width: 2) }
        if base.properties.isEmoji {
            for x in scalars.dropFirst() where x.value == 0xFE0F || (0x1F3FB...0x1F3FF).contains(x.value) {
                return .text(String(grapheme), width: 2)
            }
        }
        return .text(String(grapheme), width: 1)
    }

    /// The columns `grapheme` occupies when it starts at `column` (a tab reaches the next
    /// multiple of `tabWidth`).
    /// - Complexity: O(k) in the cluster's scalars.
    public static func width(of grapheme: Character, atColumn column: Column = Column(0), tabWidth: Int = defaultTabWidth) -> Int {
        width(of: glyph(for: grapheme), atColumn: column, tabWidth: tabWidth)
    }

    /// The columns `glyph` occupies when it starts at `column`.
    /// - Complexity: O(1)
    public static func width(of glyph: Glyph, atColumn column: Column, tabWidth: Int) -> Int {
        switch glyph {
        case .text(_, let w): return w
        case .control(let s): return s.utf8.count
        case .tab:
            precondition(tabWidth > 0, "tab width must be positive")
            return tabWidth - column.value % tabWidth
        }
    }

    /// The columns `text` occupies on one row starting at column 0 (tabs expanded).
    /// - Complexity: O(n)
    public static func width(of text: some StringProtocol, tabWidth: Int = defaultTabWidth) -> Int {
        var col = 0
        for g in text { col += width(of: g, atColumn: Column(col), tabWidth: tabWidth) }
        return col
    }
}

/// East Asian Width W and F ranges (inclusive), sorted: Unicode 15.1 EastAsianWidth.txt,
/// with whole CJK blocks and planes 2-3 as the standard assigns them (including unassigned
/// code points), plus the emoji added in Unicode 16.0. Code points below U+1100 are never wide.
let wideRanges: [(UInt32, UInt32)] = [
    (0x1100, 0x115F), (0x231A, 0x231B), (0x2329, 0x232A), (0x23E9, 0x23EC), (0x23F0, 0x23F0),
    (0x23F3, 0x23F3), (0x25FD, 0x25FE), (0x2614, 0x2615), (0x2648, 0x2653), (0x267F, 0x267F),
    (0x2693, 0x2693), (0x26A1, 0x26A1), (0x26AA, 0x26AB), (0x26BD, 0x26BE), (0x26C4, 0x26C5),
    (0x26CE, 0x26CE), (0x26D4, 0x26D4), (0x26EA, 0x26EA), (0x26F2, 0x26F3), (0x26F5, 0x26F5),
    (0x26FA, 0x26FA), (0x26FD, 0x26FD), (0x2705, 0x2705), (0x270A, 0x270B), (0x2728, 0x2728),
    (0x274C, 0x274C), (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757), (0x2795, 0x2797),
    (0x27B0, 0x27B0), (0x27BF, 0x27BF), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50), (0x2B55, 0x2B55),
    (0x2E80, 0x2E99), (0x2E9B, 0x2EF3), (0x2F00, 0x2FD5), (0x2FF0, 0x303E),
    (0x3041, 0x3096), (0x3099, 0x30FF), (0x3105, 0x312F), (0x3131, 0x318E), (0x3190, 0x31E3),
    (0x31EF, 0x321E), (0x3220, 0x3247), (0x3250, 0x4DBF), (0x4E00, 0xA48C), (0xA490, 0xA4C6),
    (0xA960, 0xA97C), (0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFE10, 0xFE19), (0xFE30, 0xFE52),
    (0xFE54, 0xFE66), (0xFE68, 0xFE6B), (0xFF01, 0xFF60), (0xFFE0, 0xFFE6),
    (0x16FE0, 0x16FE4), (0x16FF0, 0x16FF1), (0x17000, 0x187F7), (0x18800, 0x18CD5),
    (0x18D00, 0x18D08), (0x1AFF0, 0x1AFF3), (0x1AFF5, 0x1AFFB), (0x1AFFD, 0x1AFFE),
    (0x1B000, 0x1B122), (0x1B132, 0x1B132), (0x1B150, 0x1B152), (0x1B155, 0x1B155),
    (0x1B164, 0x1B167), (0x1B170, 0x1B2FB), (0x1F004, 0x1F004), (0x1F0CF, 0x1F0CF),
    (0x1F18E, 0x1F18E), (0x1F191, 0x1F19A), (0x1F200, 0x1F202), (0x1F210, 0x1F23B),
    (0x1F240, 0x1F248), (0x1F250, 0x1F251), (0x1F260, 0x1F265), (0x1F300, 0x1F320),
    (0x1F32D, 0x1F335), (0x1F337, 0x1F37C), (0x1F37E, 0x1F393), (0x1F3A0, 0x1F3CA),
    (0x1F3CF, 0x1F3D3), (0x1F3E0, 0x1F3F0), (0x1F3F4, 0x1F3F4), (0x1F3F8, 0x1F43E),
    (0x1F440, 0x1F440), (0x1F442, 0x1F4FC), (0x1F4FF, 0x1F53D), (0x1F54B, 0x1F54E),
    (0x1F550, 0x1F567), (0x1F57A, 0x1F57A), (0x1F595, 0x1F596), (0x1F5A4, 0x1F5A4),
    (0x1F5FB, 0x1F64F), (0x1F680, 0x1F6C5), (0x1F6CC, 0x1F6CC), (0x1F6D0, 0x1F6D2),
    (0x1F6D5, 0x1F6D7), (0x1F6DC, 0x1F6DF), (0x1F6EB, 0x1F6EC), (0x1F6F4, 0x1F6FC),
    (0x1F7E0, 0x1F7EB), (0x1F7F0, 0x1F7F0), (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945),
    (0x1F947, 0x1F9FF), (0x1FA70, 0x1FA7C), (0x1FA80, 0x1FA89), (0x1FA8F, 0x1FAC6),
    (0x1FACE, 0x1FADC), (0x1FADF, 0x1FAE9), (0x1FAF0, 0x1FAF8), (0x20000, 0x2FFFD),
    (0x30000, 0x3FFFD),
]
