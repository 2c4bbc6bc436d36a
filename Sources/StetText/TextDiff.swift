// The difference between two texts as a few replacements: what an outside change to a file
// did, so it can be applied as an edit (and attributed) instead of replacing everything.

/// One replacement: `range` (UTF-8 offsets in the old text) becomes `text`.
public struct TextReplacement: Equatable, Sendable {
    public var range: Range<UTF8Offset>
    public var text: String
    public init(range: Range<UTF8Offset>, text: String) {
        self.range = range
        self.text = text
    }
}

public enum TextDiff {
    /// Replacements turning `old` into `new`, in ascending order, not overlapping: the common
    /// prefix and suffix are kept, and the middle is compared line by line (Myers' O(ND)
    /// algorithm) when it has at most `lineLimit` lines on each side; beyond that, or when
    /// the line diff would take too long, the middle is one replacement.
    /// - Complexity: O(n + D²) for n bytes and D changed lines (bounded by `lineLimit`).
    public static func replacements(from old: String, to new: String, lineLimit: Int = 20_000) -> [TextReplacement] {
        let a = Array(old.utf8)
        let b = Array(new.utf8)
        var p = 0
        while p < a.count && p < b.count && a[p] == b[p] { p += 1 }
        // Back up to a line start so the middle is whole lines.
        while p > 0 && a[p - 1] != 0x0A { p -= 1 }
        var s = 0
        while s < a.count - p && s < b.count - p && a[a.count - 1 - s] == b[b.count - 1 - s] { s += 1 }
        // The suffix starts at a line start: right after a line break, or where the middle
        // starts (which is one).
        while s > 0 && a.count - s > p && a[a.count - s - 1] != 0x0A { s -= 1 }
        let am = Array(a[p..<(a.count - s)])
        let bm = Array(b[p..<(b.count - s)])
        if am == bm { return [] }
        let la = lines(am)
        let lb = lines(bm)
        func whole() -> [TextReplacement] {
            [TextReplacement(range: UTF8Offset(p)..<UTF8Offset(a.count - s), text: String(decoding: bm, as: UTF8.self))]
        }
        guard !la.isEmpty, !lb.isEmpty, la.count <= lineLimit, lb.count <= lineLimit, let script = myers(la.map { Array(am[$0]) }, lb.map { Array(bm[$0]) }) else {
            return whole()
        }
        // Turn the edit script (runs of kept lines) into replacements.
        var out: [TextReplacement] = []
        var i = 0, j = 0
        for (ki, kj) in script + [(la.count, lb.count)] {
            if ki > i || kj > j {
                let start = i < la.count ? la[i].lowerBound : am.count
                let end = ki < la.count ? la[ki].lowerBound : am.count
                let bs = j < lb.count ? lb[j].lowerBound : bm.count
                let be = kj < lb.count ? lb[kj].lowerBound : bm.count
                out.append(TextReplacement(range: UTF8Offset(p + start)..<UTF8Offset(p + end), text: String(decoding: bm[bs..<be], as: UTF8.self)))
            }
            i = ki + 1
            j = kj + 1
        }
        return out
    }

    /// Line ranges (each with its "\n", the last possibly without).
    static func lines(_ bytes: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        for (i, c) in bytes.enumerated() where c == 0x0A {
            out.append(start..<(i + 1))
            start = i + 1
        }
        if start < bytes.count { out.append(start..<bytes.count) }
        return out
    }

    /// The pairs of equal lines (i, j) kept by a shortest edit script, in order; nil when the
    /// script would need more than `maxD` edits.
    /// Memory is O(maxD²): the trace keeps one diagonal array per step.
    static func myers(_ a: [[UInt8]], _ b: [[UInt8]], maxD: Int = 1_000) -> [(Int, Int)]? {
        let n = a.count, m = b.count
        let offset = min(n + m, maxD) + 1
        var v = [Int](repeating: 0, count: 2 * offset + 1)
        var trace: [[Int]] = []
        var found = false
        outer: for d in 0...min(n + m, maxD) {
            trace.append(v)
            for k in stride(from: -d, through: d, by: 2) {
                var x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? v[offset + k + 1] : v[offset + k - 1] + 1
                var y = x - k
                while x < n && y < m && a[x] == b[y] { x += 1; y += 1 }
                v[offset + k] = x
                if x >= n && y >= m { found = true; break outer }
            }
        }
        guard found else { return nil }
        // Walk back through the trace collecting the diagonal (kept) moves.
        var kept: [(Int, Int)] = []
        var x = n, y = m
        for d in stride(from: trace.count - 1, through: 0, by: -1) {
            let vd = trace[d]
            let k = x - y
            let prevK = (k == -d || (k != d && vd[offset + k - 1] < vd[offset + k + 1])) ? k + 1 : k - 1
            let prevX = d == 0 ? 0 : vd[offset + prevK]
            let prevY = prevX - prevK
            while x > prevX && y > prevY && x > 0 && y > 0 {
                kept.append((x - 1, y - 1))
                x -= 1; y -= 1
            }
            if d > 0 { x = prevX; y = prevY }
        }
        return kept.reversed()
    }
}
