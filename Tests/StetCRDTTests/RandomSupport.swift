@testable import StetCRDT

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

/// Text pieces mixing ASCII, CJK, emoji (surrogate pairs), ZWJ sequences and combining marks.
let samplePieces = ["a", "b", "xyz", " ", "\n", "日本", "𠮷", "😀", "👨‍👩‍👧", "e\u{301}", "ñ", "é", "🎉🔥", "tab\t"]

/// UTF-16 offsets of the scalar boundaries of `s` (where edits may cut).
func scalarBoundaries(_ s: String) -> [Int] {
    var out = [0]
    var o = 0
    for u in s.unicodeScalars { o += u.utf16.count; out.append(o) }
    return out
}

/// One random local edit on a scalar boundary.
func randomEdit<R: RandomNumberGenerator>(_ text: YText, _ rng: inout R) {
    let b = scalarBoundaries(text.string)
    if b.count > 1 && Int.random(in: 0..<3, using: &rng) == 0 {
        let i = Int.random(in: 0..<(b.count - 1), using: &rng)
        let j = Int.random(in: (i + 1)...min(b.count - 1, i + 8), using: &rng)
        text.delete(at: b[i], count: b[j] - b[i])
    } else {
        let at = b[Int.random(in: 0..<b.count, using: &rng)]
        text.insert(samplePieces[Int.random(in: 0..<samplePieces.count, using: &rng)], at: at)
    }
}
