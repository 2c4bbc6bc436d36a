// Extended grapheme clusters, found with Swift's own `Character` segmentation on a small
// window of text around a position.
//
// The window starts and ends at "sure" boundaries — places where a grapheme break exists
// whatever comes before: the start and end of the text, right after "\n", and between two
// scalars that are each printable ASCII or ideographic (Grapheme_Cluster_Break=Other, so only
// rule GB999 applies between them). Segmentation that starts at a true boundary reproduces
// the true boundaries after it. When no sure boundary lies within `graphemeWindowRadius`
// bytes (long runs of, say, Cyrillic without a double space), the window edge is used
// instead; that can only misplace a boundary when a single cluster, or a run of regional
// indicators, is longer than the radius.

/// How far (in bytes) the grapheme functions look on either side of a position.
let graphemeWindowRadius = 1024

extension Rope {
    /// The first grapheme cluster boundary after `offset`, or nil at the end of the text.
    /// "\r\n" is one cluster.
    /// - Complexity: O(log n) (a window of at most ~2 KB is segmented).
    public func graphemeBoundary<O: TextOffset>(after offset: O) -> O? {
        let p = bytePosition(offset)
        if p >= utf8Count { return nil }
        let b = graphemeBoundaries(around: p)
        guard let next = b.first(where: { $0 > p }) else { return nil }
        return convertBytePosition(next, to: O.self)
    }

    /// The last grapheme cluster boundary before `offset`, or nil at the start of the text.
    /// - Complexity: O(log n) (a window of at most ~2 KB is segmented).
    public func graphemeBoundary<O: TextOffset>(before offset: O) -> O? {
        let p = bytePosition(offset)
        if p == 0 { return nil }
        let b = graphemeBoundaries(around: p)
        guard let prev = b.last(where: { $0 < p }) else { return nil }
        return convertBytePosition(prev, to: O.self)
    }

    /// True when `offset` is on a grapheme cluster boundary (the start and end of the text are).
    /// - Complexity: O(log n)
    public func isGraphemeBoundary<O: TextOffset>(_ offset: O) -> Bool {
        let p = prefix(offset)
        if p.value(Metric(O.unit)) != offset.value { return false }  // inside a scalar
        if p.utf8 == 0 || p.utf8 == utf8Count { return true }
        return graphemeBoundaries(around: p.utf8).contains(p.utf8)
    }

    /// The range of the grapheme cluster containing `offset` (the one starting there when it
    /// is a boundary); empty at the end of the text.
    /// - Complexity: O(log n)
    public func graphemeRange<O: TextOffset>(containing offset: O) -> Range<O> {
        let p = bytePosition(offset)
        if p >= utf8Count { let e = endOffset(O.self); return e..<e }
        let b = graphemeBoundaries(around: p)
        let lo = b.last(where: { $0 <= p }) ?? 0
        let hi = b.first(where: { $0 > p }) ?? utf8Count
        return convertBytePosition(lo, to: O.self)..<convertBytePosition(hi, to: O.self)
    }

    /// The grapheme cluster containing `offset`, or nil at the end of the text.
    /// - Complexity: O(log n)
    public func grapheme<O: TextOffset>(at offset: O) -> Character? {
        let r = graphemeRange(containing: utf8Offset(of: offset))
        if r.isEmpty { return nil }
        return string(r.lowerBound.value, r.upperBound.value).first
    }

    /// The number of grapheme clusters in `range`. Each end of the range that falls inside a
    /// cluster is first moved to that cluster's start.
    /// - Complexity: O(log n + k) for k bytes.
    public func graphemeCount<O: TextOffset>(in range: Range<O>) -> Int {
        var lo = bytePosition(range.lowerBound)
        var hi = bytePosition(range.upperBound)
        if lo >= hi { return 0 }
        lo = graphemeRange(containing: UTF8Offset(lo)).lowerBound.value
        if hi < utf8Count { hi = graphemeRange(containing: UTF8Offset(hi)).lowerBound.value }
        return string(lo, hi).count
    }

    func convertBytePosition<O: TextOffset>(_ p: Int, to _: O.Type) -> O {
        if O.unit == .utf8 { return O(p) }
        return O(seek(.utf8, p).value(Metric(O.unit)))
    }

    /// Sorted absolute byte positions of the grapheme boundaries in a window that contains a
    /// boundary before `p` (or starts at 0) and one after `p` (or ends at the end).
    func graphemeBoundaries(around p: Int) -> [Int] {
        let total = utf8Count
        let lo = seek(.utf8, max(0, p - graphemeWindowRadius)).utf8
        let hi = seek(.utf8, min(total, p + graphemeWindowRadius)).utf8
        let w = bytes(lo, hi)
        return w.withUnsafeBufferPointer { buf -> [Int] in
            let local = p - lo
            // Window start: the last sure boundary before p.
            var s = local
            repeat {
                s = previousScalarStart(buf, s)
            } while s > 0 && !isSureBoundary(buf, s, atTextStart: lo + s == 0)
            // Window end: the first sure boundary after p.
            var e = local
            repeat {
                e = e < buf.count ? e + scalarLength(lead: buf[e]) : buf.count
            } while e < buf.count && !isSureBoundary(buf, e, atTextStart: false)
            let text = String(decoding: UnsafeBufferPointer(rebasing: buf[s..<e]), as: UTF8.self)
            var out = [lo + s]
            var pos = lo + s
            for ch in text {
                pos += ch.utf8.count
                out.append(pos)
            }
            return out
        }
    }
}

/// The start of the scalar before byte `i` (0 stays 0).
@inline(__always) func previousScalarStart(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
    if i <= 0 { return 0 }
    var j = i - 1
    while j > 0 && !isLead(b[j]) { j -= 1 }
    return j
}

/// Decodes the valid UTF-8 scalar starting at byte `i`.
@inline(__always) func decodeScalar(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Unicode.Scalar {
    let b0 = UInt32(b[i])
    let v: UInt32
    switch scalarLength(lead: b[i]) {
    case 1: v = b0
    case 2: v = (b0 & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F)
    case 3: v = (b0 & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F)
    default: v = (b0 & 0x07) << 18 | UInt32(b[i + 1] & 0x3F) << 12 | UInt32(b[i + 2] & 0x3F) << 6 | UInt32(b[i + 3] & 0x3F)
    }
    return Unicode.Scalar(v) ?? "\u{FFFD}"
}

/// A scalar whose Grapheme_Cluster_Break is certainly Other: printable ASCII or ideographic.
@inline(__always) func isPlainBase(_ s: Unicode.Scalar) -> Bool {
    let v = s.value
    if v < 0x7F { return v >= 0x20 }
    return v >= 0x2E80 && s.properties.isIdeographic
}

/// True when a grapheme break certainly exists before the scalar at byte `i` of the window,
/// whatever precedes the window.
@inline(__always) func isSureBoundary(_ b: UnsafeBufferPointer<UInt8>, _ i: Int, atTextStart: Bool) -> Bool {
    if atTextStart { return true }
    if i == 0 || i >= b.count { return false }
    let prev = previousScalarStart(b, i)
    if b[prev] == 0x0A { return true }
    return isPlainBase(decodeScalar(b, prev)) && isPlainBase(decodeScalar(b, i))
}
