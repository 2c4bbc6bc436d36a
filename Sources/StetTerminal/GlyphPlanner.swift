/// Decides what ncurses cells to write for one frame cell so that the screen stays aligned.
///
/// ncurses (and the terminal, usually) measure a character by the C library's `wcwidth` of
/// its first scalar and can hold at most four zero-width marks after it. A frame cell says
/// how many columns its grapheme takes; when `wcwidth` agrees, the grapheme is drawn (base
/// plus its zero-width marks, stopping at a ZWJ: the rest of a ZWJ sequence cannot be held;
/// VS16 is left out after a one-column base, where it would make the terminal draw two).
/// When it disagrees, a stand-in of exactly the cell's width is drawn instead:
/// - regional indicators (flags) as their letters, "🇫🇷" as "FR";
/// - a width-1 base in a width-2 cell ("❤️", "1️⃣") as the base without its variation
///   selector, then a space;
/// - anything else as U+FFFD (or "?" if that is not one column), padded with spaces.
/// Pure; `columnWidth` is `wcwidth` in production and a table in tests.
enum GlyphPlanner {
    /// The ncurses cells for a frame cell `width` columns wide showing `text`; each is a
    /// spacing base followed by zero-width marks. Their widths add up to `width`. Empty for
    /// continuation cells (width 0).
    static func plan(_ text: String, width: Int, columnWidth: (UInt32) -> Int) -> [[UInt32]] {
        guard width > 0 else { return [] }
        let space: [UInt32] = [0x20]
        let scalars = text.unicodeScalars.map(\.value)
        guard let base = scalars.first, base != 0x20 else {
            return Array(repeating: space, count: width)
        }
        let pad = { (cells: [[UInt32]]) -> [[UInt32]] in
            cells + Array(repeating: space, count: max(0, width - cells.count))
        }
        if isRegionalIndicator(base) {
            let letters = scalars.prefix(width).filter(isRegionalIndicator).map {
                [$0 - 0x1F1E6 + 0x41]
            }
            return pad(letters)
        }
        let baseWidth = columnWidth(base)
        if baseWidth == width {
            var cell = [base]
            for s in scalars.dropFirst() {
                if s == 0x200D || cell.count == 5 || columnWidth(s) != 0 { break }
                // VS16 would make a one-column base an emoji two columns wide.
                if s == 0xFE0F && baseWidth == 1 { continue }
                cell.append(s)
            }
            return [cell]
        }
        if baseWidth == 1 && width == 2 {
            return pad([[base]])
        }
        let replacement: UInt32 = columnWidth(0xFFFD) == 1 ? 0xFFFD : 0x3F
        return pad([[replacement]])
    }

    static func isRegionalIndicator(_ scalar: UInt32) -> Bool {
        (0x1F1E6...0x1F1FF).contains(scalar)
    }
}
