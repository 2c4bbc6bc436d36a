import Foundation
import StetText
import XCTest

/// A small seeded generator (SplitMix64) so failures can be replayed from the printed seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Seeds for a randomized test: `STET_SEED` alone when set, else `fixed` plus fresh random
/// seeds (one, or `STET_ROUNDS` of them for longer soak runs).
func testSeeds(_ fixed: [UInt64]) -> [UInt64] {
    let env = ProcessInfo.processInfo.environment
    if let s = env["STET_SEED"], let v = UInt64(s) { return [v] }
    let rounds = env["STET_ROUNDS"].flatMap { Int($0) } ?? 1
    return fixed + (0..<max(rounds, 0)).map { _ in UInt64.random(in: 0...UInt64.max) }
}

/// Text pieces: ASCII, CJK, emoji (ZWJ families, flags, skin tones, keycaps, VS16), combining
/// marks (also without a base), CRLF, lone CR, tabs, controls, Hangul jamo, other scripts.
let pieces: [String] = [
    "a", "b", "xyz", "hello world", " ", "  ", "\n", "\r\n", "\r", "\t", "\t\t", "\n\n",
    "日本語", "中", "𠮷", "한국어", "\u{1100}\u{1161}\u{11A8}", "ｶﾀｶﾅ", "ＡＢ",
    "😀", "🎉🔥", "👨‍👩‍👧‍👦", "👩🏽‍💻", "🇩🇪", "🇫🇷🇯🇵", "🇺", "👍🏽", "❤️", "1️⃣", "🏳️‍🌈",
    "e\u{301}", "\u{301}", "\u{301}\u{302}", "é", "ñ", "a\u{20DD}", "\u{200D}", "\u{FE0F}",
    "\u{1}", "\u{7F}", "\u{85}", "\u{200B}", "\u{FEFF}", "\u{202E}",
    "привет", "नमस्ते", "مرحبا", "ก\u{E31}", "\r\n\r\n", "x\ry", "line\r\nline\n",
]

func randomPiece<R: RandomNumberGenerator>(_ rng: inout R, big: Bool = false) -> String {
    if big {
        var s = ""
        let target = Int.random(in: 1000...6000, using: &rng)
        while s.utf8.count < target { s += pieces.randomElement(using: &rng)! }
        return s
    }
    var s = ""
    for _ in 0..<Int.random(in: 1...3, using: &rng) { s += pieces.randomElement(using: &rng)! }
    return s
}

/// The reference model: the text as scalars, with prefix counts.
struct TextModel {
    private(set) var scalars: [Unicode.Scalar] = []
    /// u8[i], u16[i], nl[i]: counts before scalar i (i in 0...count).
    private(set) var u8: [Int] = [0]
    private(set) var u16: [Int] = [0]
    private(set) var nl: [Int] = [0]
    /// Scalar index of the start of each line.
    private(set) var lineStarts: [Int] = [0]

    init(_ s: String = "") { scalars = Array(s.unicodeScalars); recompute() }

    var string: String {
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars)
        return s
    }

    mutating func insert(_ s: String, at i: Int) {
        scalars.insert(contentsOf: s.unicodeScalars, at: i)
        recompute()
    }

    mutating func delete(_ r: Range<Int>) {
        scalars.removeSubrange(r)
        recompute()
    }

    private mutating func recompute() {
        u8 = [0]; u16 = [0]; nl = [0]; lineStarts = [0]
        u8.reserveCapacity(scalars.count + 1)
        u16.reserveCapacity(scalars.count + 1)
        nl.reserveCapacity(scalars.count + 1)
        var a = 0, b = 0, c = 0
        for (i, x) in scalars.enumerated() {
            a += x.utf8.count
            b += x.utf16.count
            if x == "\n" { c += 1; lineStarts.append(i + 1) }
            u8.append(a); u16.append(b); nl.append(c)
        }
    }

    var lineCount: Int { lineStarts.count }

    /// Scalar range of line k's content (without "\n" / "\r\n").
    func lineContent(_ k: Int) -> Range<Int> {
        let start = lineStarts[k]
        if k == lineStarts.count - 1 { return start..<scalars.count }
        var end = lineStarts[k + 1] - 1
        if end > start && scalars[end - 1] == "\r" { end -= 1 }
        return start..<end
    }

    func text(_ r: Range<Int>) -> String {
        var s = ""
        s.unicodeScalars.append(contentsOf: scalars[r])
        return s
    }

    /// Scalar index of the scalar containing UTF-8 offset `o` (rounded down).
    func scalarIndex(utf8 o: Int) -> Int {
        var lo = 0, hi = scalars.count
        while lo < hi { let m = (lo + hi + 1) / 2; if u8[m] <= o { lo = m } else { hi = m - 1 } }
        return lo
    }

    func scalarIndex(utf16 o: Int) -> Int {
        var lo = 0, hi = scalars.count
        while lo < hi { let m = (lo + hi + 1) / 2; if u16[m] <= o { lo = m } else { hi = m - 1 } }
        return lo
    }

    /// Grapheme boundaries, in scalar indices, by Swift's segmentation of the whole text.
    func graphemeBoundaries() -> [Int] {
        var out = [0]
        var i = 0
        for ch in string {
            i += ch.unicodeScalars.count
            out.append(i)
        }
        return out
    }
}
