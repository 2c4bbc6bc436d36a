import StetText
import XCTest

/// Random inserts and deletes on a `Rope` and on a plain `[Unicode.Scalar]` model, every
/// metric and conversion compared after each step. A failure prints the seed; replay one with
/// STET_SEED=<seed>.
final class RopeModelTests: XCTestCase {

    func testRandomEditsAgainstModel() {
        for seed in testSeeds([1, 0xC0FFEE]) {
            print("RopeModelTests.testRandomEditsAgainstModel seed \(seed)")
            runModel(seed: seed, steps: 1200, maxSize: 40_000, fullEvery: 6)
        }
    }

    /// Larger texts (tree height 2 and more), checked by sampling.
    func testRandomEditsOnLargeText() {
        for seed in testSeeds([7]) {
            print("RopeModelTests.testRandomEditsOnLargeText seed \(seed)")
            runModel(seed: seed, steps: 120, maxSize: 400_000, initialSize: 250_000, fullEvery: 20)
        }
    }

    func runModel(seed: UInt64, steps: Int, maxSize: Int, initialSize: Int = 0, fullEvery: Int = 1) {
        var rng = SplitMix(seed: seed)
        var initial = ""
        while initial.utf8.count < initialSize { initial += randomPiece(&rng, big: true) }
        var model = TextModel(initial)
        var rope = Rope(initial)
        if initialSize > 100_000 { XCTAssertGreaterThanOrEqual(rope.height, 2, "seed \(seed)") }
        var snapshots: [(Rope, String)] = []
        for step in 0..<steps {
            let ctx = "seed \(seed) step \(step)"
            let n = model.scalars.count
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll < 55 || n == 0 || (model.u8[n] < maxSize / 4 && roll < 75) {
                // Insert, addressing the position in a random unit.
                let i = Int.random(in: 0...n, using: &rng)
                let big = model.u8[n] < maxSize && Int.random(in: 0..<12, using: &rng) == 0
                let piece = randomPiece(&rng, big: big)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: rope.insert(piece, at: UTF8Offset(model.u8[i]))
                case 1: rope.insert(piece, at: UTF16Offset(model.u16[i]))
                default: rope.insert(piece, at: ScalarOffset(i))
                }
                model.insert(piece, at: i)
            } else if roll < 90 {
                let i = Int.random(in: 0..<n, using: &rng)
                let maxLen = Int.random(in: 0..<10, using: &rng) == 0 ? 8000 : 12
                let j = min(n, i + Int.random(in: 1...maxLen, using: &rng))
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: rope.delete(UTF8Offset(model.u8[i])..<UTF8Offset(model.u8[j]))
                case 1: rope.delete(UTF16Offset(model.u16[i])..<UTF16Offset(model.u16[j]))
                default: rope.delete(ScalarOffset(i)..<ScalarOffset(j))
                }
                model.delete(i..<j)
            } else {
                let i = Int.random(in: 0..<n, using: &rng)
                let j = min(n, i + Int.random(in: 0...20, using: &rng))
                let piece = randomPiece(&rng)
                rope.replace(ScalarOffset(i)..<ScalarOffset(j), with: piece)
                model.delete(i..<j)
                model.insert(piece, at: i)
            }
            if step % 97 == 0 { snapshots.append((rope, model.string)) }
            XCTAssertEqual(rope.summary, TextSummary(utf8: model.u8.last!, utf16: model.u16.last!, scalars: model.scalars.count, newlines: model.nl.last!), ctx)
            if step % fullEvery == 0 || step == steps - 1 {
                check(rope, model, &rng, ctx, samples: 30)
            } else {
                // A few conversions around the edit's neighbourhood are cheap; do them always.
                let n = model.scalars.count
                for _ in 0..<3 {
                    let i = Int.random(in: 0...n, using: &rng)
                    XCTAssertEqual(rope.utf16Offset(of: ScalarOffset(i)), UTF16Offset(model.u16[i]), ctx)
                    XCTAssertEqual(rope.scalarOffset(of: UTF8Offset(model.u8[i])), ScalarOffset(i), ctx)
                    XCTAssertEqual(rope.line(containing: ScalarOffset(i)), Line(model.nl[i]), ctx)
                }
            }
            if testRun?.failureCount ?? 0 > 0 { return }
        }
        // Older versions are untouched by later edits (persistence).
        for (k, (r, s)) in snapshots.enumerated() {
            XCTAssertEqual(r.string, s, "seed \(seed) snapshot \(k)")
            r.checkInvariants()
        }
    }

    func check<R: RandomNumberGenerator>(_ rope: Rope, _ m: TextModel, _ rng: inout R, _ ctx: String, samples: Int) {
        rope.checkInvariants()
        let n = m.scalars.count
        XCTAssertEqual(rope.string, m.string, ctx)
        XCTAssertEqual(rope.utf8Count, m.u8[n], ctx)
        XCTAssertEqual(rope.utf16Count, m.u16[n], ctx)
        XCTAssertEqual(rope.scalarCount, n, ctx)
        XCTAssertEqual(rope.lineCount, m.lineCount, ctx)
        XCTAssertEqual(rope.endOffset(UTF16Offset.self), UTF16Offset(m.u16[n]), ctx)

        // Conversions between every pair of units, at scalar boundaries and inside scalars.
        for _ in 0..<samples {
            let i = Int.random(in: 0...n, using: &rng)
            let c = "\(ctx) scalar \(i)"
            XCTAssertEqual(rope.utf8Offset(of: ScalarOffset(i)), UTF8Offset(m.u8[i]), c)
            XCTAssertEqual(rope.utf16Offset(of: ScalarOffset(i)), UTF16Offset(m.u16[i]), c)
            XCTAssertEqual(rope.scalarOffset(of: UTF8Offset(m.u8[i])), ScalarOffset(i), c)
            XCTAssertEqual(rope.scalarOffset(of: UTF16Offset(m.u16[i])), ScalarOffset(i), c)
            XCTAssertEqual(rope.utf8Offset(of: UTF16Offset(m.u16[i])), UTF8Offset(m.u8[i]), c)
            XCTAssertEqual(rope.convert(UTF8Offset(m.u8[i]), to: UTF16Offset.self), UTF16Offset(m.u16[i]), c)
            let p = rope.summary(upTo: ScalarOffset(i))
            XCTAssertEqual(p, TextSummary(utf8: m.u8[i], utf16: m.u16[i], scalars: i, newlines: m.nl[i]), c)
            if i < n {
                let x = m.scalars[i]
                if x.utf8.count > 1 {
                    let inside = m.u8[i] + Int.random(in: 1..<x.utf8.count, using: &rng)
                    XCTAssertEqual(rope.utf8Offset(of: UTF8Offset(inside)), UTF8Offset(m.u8[i]), c)
                    XCTAssertEqual(rope.scalarOffset(of: UTF8Offset(inside)), ScalarOffset(i), c)
                    XCTAssertEqual(m.scalarIndex(utf8: inside), i, c)
                }
                if x.utf16.count == 2 {
                    XCTAssertEqual(rope.scalarOffset(of: UTF16Offset(m.u16[i] + 1)), ScalarOffset(i), c)
                    XCTAssertEqual(rope.utf8Offset(of: UTF16Offset(m.u16[i] + 1)), UTF8Offset(m.u8[i]), c)
                }
            }
            // Lines.
            let line = m.nl[i]
            XCTAssertEqual(rope.line(containing: ScalarOffset(i)), Line(line), c)
            XCTAssertEqual(rope.line(containing: UTF16Offset(m.u16[i])), Line(line), c)
            let lp = rope.linePosition(of: ScalarOffset(i))
            XCTAssertEqual(lp, LinePosition(line: Line(line), inLine: ScalarOffset(i - m.lineStarts[line])), c)
            let lp16 = rope.linePosition(of: UTF16Offset(m.u16[i]))
            XCTAssertEqual(lp16, LinePosition(line: Line(line), inLine: UTF16Offset(m.u16[i] - m.u16[m.lineStarts[line]])), c)
            let content = m.lineContent(line)
            let expectBack = min(i, content.upperBound)  // between "\r" and "\n" clamps to the content's end
            XCTAssertEqual(rope.offset(of: lp), ScalarOffset(expectBack), c)
            XCTAssertEqual(rope.offset(of: lp16), UTF16Offset(m.u16[expectBack]), c)
        }
        // Whole lines.
        for _ in 0..<min(samples, m.lineCount) {
            let k = Int.random(in: 0..<m.lineCount, using: &rng)
            let c = "\(ctx) line \(k)"
            let r = m.lineContent(k)
            XCTAssertEqual(rope.line(at: Line(k)), m.text(r), c)
            XCTAssertEqual(rope.lineStart(Line(k)), UTF8Offset(m.u8[m.lineStarts[k]]), c)
            XCTAssertEqual(rope.lineStart(Line(k), as: UTF16Offset.self), UTF16Offset(m.u16[m.lineStarts[k]]), c)
            XCTAssertEqual(rope.lineStart(Line(k), as: ScalarOffset.self), ScalarOffset(m.lineStarts[k]), c)
            XCTAssertEqual(rope.lineEnd(Line(k), as: ScalarOffset.self), ScalarOffset(r.upperBound), c)
            XCTAssertEqual(rope.lineRange(Line(k)), UTF8Offset(m.u8[r.lowerBound])..<UTF8Offset(m.u8[r.upperBound]), c)
            let fullEnd = k + 1 < m.lineCount ? m.lineStarts[k + 1] : n
            XCTAssertEqual(rope.lineRange(Line(k), includingBreak: true, as: ScalarOffset.self), ScalarOffset(r.lowerBound)..<ScalarOffset(fullEnd), c)
            // Past the end of the content clamps to it.
            XCTAssertEqual(rope.offset(of: LinePosition(line: Line(k), inLine: ScalarOffset(r.count + 5))), ScalarOffset(r.upperBound), c)
        }
        // Substrings and slices.
        for _ in 0..<4 {
            let i = Int.random(in: 0...n, using: &rng)
            let j = Int.random(in: i...n, using: &rng)
            let c = "\(ctx) range \(i)..<\(j)"
            XCTAssertEqual(rope.substring(ScalarOffset(i)..<ScalarOffset(j)), m.text(i..<j), c)
            XCTAssertEqual(rope.substring(UTF16Offset(m.u16[i])..<UTF16Offset(m.u16[j])), m.text(i..<j), c)
            let s = rope.slice(UTF8Offset(m.u8[i])..<UTF8Offset(m.u8[j]))
            s.checkInvariants()
            XCTAssertEqual(s.string, m.text(i..<j), c)
            XCTAssertEqual(s.lineCount, m.nl[j] - m.nl[i] + 1, c)
        }
        // Grapheme clusters, against Swift's segmentation of the whole text.
        let bounds = m.graphemeBoundaries()
        let isBound = Set(bounds)
        for _ in 0..<samples / 2 {
            let i = Int.random(in: 0...n, using: &rng)
            let c = "\(ctx) grapheme at scalar \(i)"
            let k = lastIndex(bounds, atMost: i)  // bounds[k] <= i
            let next = bounds[k] > i ? bounds[k] : (k + 1 < bounds.count ? bounds[k + 1] : nil)
            let prev = bounds[k] < i ? bounds[k] : (k > 0 ? bounds[k - 1] : nil)
            XCTAssertEqual(rope.graphemeBoundary(after: ScalarOffset(i)), next.map(ScalarOffset.init), c)
            XCTAssertEqual(rope.graphemeBoundary(before: ScalarOffset(i)), prev.map(ScalarOffset.init), c)
            XCTAssertEqual(rope.graphemeBoundary(after: UTF16Offset(m.u16[i])), next.map { UTF16Offset(m.u16[$0]) }, c)
            XCTAssertEqual(rope.isGraphemeBoundary(ScalarOffset(i)), isBound.contains(i), c)
            if i < n {
                let lo = bounds[k]
                XCTAssertEqual(rope.graphemeRange(containing: ScalarOffset(i)), ScalarOffset(lo)..<ScalarOffset(next!), c)
                XCTAssertEqual(rope.grapheme(at: ScalarOffset(i)).map(String.init), m.text(lo..<next!), c)
            }
        }
        // Display columns of random offsets, against laying out the model's line prefix.
        for _ in 0..<4 {
            let i = Int.random(in: 0...n, using: &rng)
            let line = m.nl[i]
            let r = m.lineContent(line)
            let upto = min(i, r.upperBound)
            // The column of the cluster containing `upto`: lay out the whole clusters before it.
            let clusterStart = max(bounds[lastIndex(bounds, atMost: upto)], r.lowerBound)
            let expected = DisplayWidth.width(of: m.text(r.lowerBound..<max(r.lowerBound, clusterStart)), tabWidth: 4)
            XCTAssertEqual(rope.column(of: ScalarOffset(i), tabWidth: 4), Column(expected), "\(ctx) column of scalar \(i)")
            let back = rope.offset(atColumn: Column(expected), in: Line(line), tabWidth: 4)
            if upto < r.upperBound {
                XCTAssertEqual(back, UTF8Offset(m.u8[clusterStart]), "\(ctx) offset at column \(expected) line \(line)")
            } else {
                XCTAssertEqual(back, UTF8Offset(m.u8[r.upperBound]), "\(ctx) offset at column \(expected) line \(line)")
            }
        }
    }

    /// Index of the last element of sorted `a` that is <= x (0 when none is).
    func lastIndex(_ a: [Int], atMost x: Int) -> Int {
        var lo = 0, hi = a.count - 1
        while lo < hi { let m = (lo + hi + 1) / 2; if a[m] <= x { lo = m } else { hi = m - 1 } }
        return lo
    }

    /// Deleting everything, inserting into an empty rope, huge single inserts and deletes.
    func testEdgeCases() {
        var r = Rope()
        r.checkInvariants()
        XCTAssertEqual(r.lineCount, 1)
        XCTAssertEqual(r.line(at: Line(0)), "")
        XCTAssertNil(r.graphemeBoundary(after: UTF8Offset(0)))
        XCTAssertNil(r.graphemeBoundary(before: UTF8Offset(0)))
        XCTAssertEqual(r.column(of: UTF8Offset(0)), Column(0))
        r.insert("", at: UTF8Offset(0))
        XCTAssertTrue(r.isEmpty)

        let big = String(repeating: "0123456789abcdef\n", count: 60_000)  // ~1 MB, 60k lines
        r.insert(big, at: ScalarOffset(0))
        r.checkInvariants()
        XCTAssertEqual(r.string, big)
        XCTAssertEqual(r.lineCount, 60_001)
        XCTAssertGreaterThanOrEqual(r.height, 2)
        r.insert(big, at: UTF8Offset(17 * 30_000))
        r.checkInvariants()
        XCTAssertEqual(r.lineCount, 120_001)
        XCTAssertEqual(r.line(at: Line(119_999)), "0123456789abcdef")
        r.delete(UTF8Offset(5)..<UTF8Offset(r.utf8Count - 5))
        r.checkInvariants()
        XCTAssertEqual(r.string, "01234cdef\n")
        r.delete(UTF8Offset(0)..<UTF8Offset(r.utf8Count))
        r.checkInvariants()
        XCTAssertTrue(r.isEmpty)
        XCTAssertEqual(r.height, 0)

        // Many tiny deletes from a big rope keep it balanced.
        var s = Rope(big)
        var model = big.utf8.map { $0 }
        var rng = SplitMix(seed: 99)
        for _ in 0..<3000 {
            let at = Int.random(in: 0..<model.count - 200, using: &rng)
            let len = Int.random(in: 1...200, using: &rng)
            s.delete(UTF8Offset(at)..<UTF8Offset(at + len))
            model.removeSubrange(at..<(at + len))
        }
        s.checkInvariants()
        XCTAssertEqual(Array(s.string.utf8), model)

        // CRLF split across an edit: inserting between "\r" and "\n" keeps one line break.
        var c = Rope("a\r\nb")
        XCTAssertEqual(c.lineCount, 2)
        XCTAssertEqual(c.line(at: Line(0)), "a")
        c.insert("x", at: UTF8Offset(2))
        XCTAssertEqual(c.line(at: Line(0)), "a\rx")
        XCTAssertEqual(c.lineCount, 2)
        c.delete(UTF8Offset(2)..<UTF8Offset(3))
        XCTAssertEqual(c.line(at: Line(0)), "a")
        XCTAssertEqual(c.lineEnd(Line(0)), UTF8Offset(1))
        XCTAssertEqual(Rope("abc\r").line(at: Line(0)), "abc\r")  // a lone CR is content
        XCTAssertEqual(Rope("a\n").lineCount, 2)
        XCTAssertEqual(Rope("a\n").line(at: Line(1)), "")

        // Equality ignores chunking.
        var e1 = Rope(big)
        var e2 = Rope()
        let unit = String(repeating: "0123456789abcdef\n", count: 1000)
        for _ in 0..<60 { e2.append(unit) }
        XCTAssertEqual(e1, e2)
        e1.insert("!", at: UTF8Offset(1000))
        XCTAssertNotEqual(e1, e2)
    }

    func testChunksAndDescription() {
        let text = String(repeating: "héllo wörld 日本 👨‍👩‍👧\r\n", count: 3000)
        let r = Rope(text)
        var bytes: [UInt8] = []
        r.forEachUTF8Chunk { chunk in
            XCTAssertFalse(chunk.isEmpty)
            XCTAssertNotEqual(chunk.first! & 0xC0, 0x80, "chunk starts inside a scalar")
            bytes.append(contentsOf: chunk)
        }
        XCTAssertEqual(bytes, Array(text.utf8))
        XCTAssertEqual(r.description, text)
        XCTAssertTrue(r.debugDescription.contains("lines: 3001"))
        var part: [UInt8] = []
        r.forEachUTF8Chunk(in: UTF8Offset(10)..<UTF8Offset(5000)) { part.append(contentsOf: $0) }
        XCTAssertEqual(part, Array(text.utf8)[10..<5000].map { $0 })
    }
}
