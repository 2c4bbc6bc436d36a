// Metrics of a run of UTF-8 text, as cached in every rope node, and the byte loops that
// compute and search them. Everything here works on valid UTF-8 only (the rope never holds
// anything else), so a scalar's length follows from its lead byte.

/// The counts of one piece of text in every unit the rope indexes. Members are O(1) unless
/// documented otherwise.
public struct TextSummary: Hashable, Sendable {
    /// UTF-8 code units (bytes).
    public var utf8: Int
    /// UTF-16 code units.
    public var utf16: Int
    /// Unicode scalars.
    public var scalars: Int
    /// "\n" characters (line breaks; "\r\n" counts once).
    public var newlines: Int

    @inlinable public init(utf8: Int = 0, utf16: Int = 0, scalars: Int = 0, newlines: Int = 0) {
        self.utf8 = utf8
        self.utf16 = utf16
        self.scalars = scalars
        self.newlines = newlines
    }

    /// The summary of `text`.
    /// - Complexity: O(n) in the UTF-8 length of `text`.
    public init(_ text: some StringProtocol) {
        var s = TextSummary()
        var copy = String(text)
        copy.withUTF8 { s = TextSummary(utf8: $0) }
        self = s
    }

    /// The summary of valid UTF-8 bytes.
    /// - Complexity: O(n); eight bytes at a time.
    public init(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        let c = countUTF8(bytes)
        self.init(utf8: bytes.count, utf16: c.leads &+ c.fours, scalars: c.leads, newlines: c.lfs)
    }

    @inline(__always) static func + (a: TextSummary, b: TextSummary) -> TextSummary {
        TextSummary(utf8: a.utf8 &+ b.utf8, utf16: a.utf16 &+ b.utf16,
                    scalars: a.scalars &+ b.scalars, newlines: a.newlines &+ b.newlines)
    }
    @inline(__always) static func - (a: TextSummary, b: TextSummary) -> TextSummary {
        TextSummary(utf8: a.utf8 &- b.utf8, utf16: a.utf16 &- b.utf16,
                    scalars: a.scalars &- b.scalars, newlines: a.newlines &- b.newlines)
    }
    @inline(__always) static func += (a: inout TextSummary, b: TextSummary) { a = a + b }
    @inline(__always) static func -= (a: inout TextSummary, b: TextSummary) { a = a - b }

    /// The count in one searchable metric.
    @inline(__always) func value(_ m: Metric) -> Int {
        switch m {
        case .utf8: return utf8
        case .utf16: return utf16
        case .scalars: return scalars
        case .newlines: return newlines
        }
    }
}

/// What a descent through the rope searches by.
enum Metric: Sendable {
    case utf8, utf16, scalars, newlines

    init(_ unit: TextUnit) {
        switch unit {
        case .utf8: self = .utf8
        case .utf16: self = .utf16
        case .scalars: self = .scalars
        }
    }
}

/// The UTF-8 length of the scalar whose lead byte is `b`.
@inline(__always) func scalarLength(lead b: UInt8) -> Int {
    b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
}

/// True when `b` starts a scalar (is not a continuation byte).
@inline(__always) func isLead(_ b: UInt8) -> Bool { b & 0xC0 != 0x80 }

/// Counts of lead bytes (scalars), 4-byte lead bytes (scalars outside the BMP, two UTF-16
/// units each) and "\n" bytes.
struct ByteCounts {
    var leads = 0
    var fours = 0
    var lfs = 0

    @inline(__always) mutating func add(_ o: ByteCounts) {
        leads &+= o.leads
        fours &+= o.fours
        lfs &+= o.lfs
    }

    @inline(__always) mutating func add(byte x: UInt8) {
        leads &+= (x & 0xC0 != 0x80) ? 1 : 0
        fours &+= (x >= 0xF0) ? 1 : 0
        lfs &+= (x == 0x0A) ? 1 : 0
    }
}

@inline(__always) func load64(_ p: UnsafeRawPointer, _ i: Int) -> UInt64 {
    UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
}

private let high: UInt64 = 0x8080_8080_8080_8080
private let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
private let newline8: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
private let evenBytes: UInt64 = 0x00FF_00FF_00FF_00FF

/// Sum of the eight byte lanes of `x` (each lane at most 255).
@inline(__always) func laneSum(_ x: UInt64) -> Int {
    let pairs = (x & evenBytes) &+ ((x >> 8) & evenBytes)
    return Int(truncatingIfNeeded: (pairs &* 0x0001_0001_0001_0001) >> 48)
}

/// Counts over the 8-byte words of `raw[i..<i + 8 * words]` (words <= 255), SWAR style:
/// each byte lane accumulates 0 or 1 per word — continuation bytes are 10xxxxxx, 4-byte leads
/// 11110xxx, and a byte is "\n" when it is zero after XOR with 0x0A (an exact zero-byte test).
/// No popcount, so it is fast on baseline x86-64 too.
@inline(__always) func countWords(_ raw: UnsafeRawPointer, _ i: Int, _ words: Int) -> ByteCounts {
    var cont: UInt64 = 0
    var four: UInt64 = 0
    var nl: UInt64 = 0
    var k = 0
    while k < words {
        let x = load64(raw, i &+ k &* 8)
        cont &+= (x & ~(x << 1) & high) >> 7
        four &+= (x & (x << 1) & (x << 2) & (x << 3) & high) >> 7
        let y = x ^ newline8
        nl &+= (~(((y & low7) &+ low7) | y) & high) >> 7
        k &+= 1
    }
    return ByteCounts(leads: words &* 8 &- laneSum(cont), fours: laneSum(four), lfs: laneSum(nl))
}

func countUTF8(_ b: UnsafeBufferPointer<UInt8>) -> ByteCounts {
    var c = ByteCounts()
    guard let base = b.baseAddress else { return c }
    let raw = UnsafeRawPointer(base)
    let n = b.count
    var i = 0
    while n - i >= 8 {
        let words = min((n - i) / 8, 255)
        c.add(countWords(raw, i, words))
        i += words * 8
    }
    while i < n { c.add(byte: b[i]); i += 1 }
    return c
}

/// Scans `bytes` and stops at the first scalar boundary where the running count in `metric`
/// reaches `target`, or where the next scalar would carry it past `target` (a target inside a
/// scalar — a UTF-8 offset inside a multi-byte sequence or a UTF-16 offset between the halves
/// of a surrogate pair — rounds down to the scalar's start). For `.newlines`, stops right
/// after the `target`-th "\n" (at 0 for target 0). Returns the summary of the prefix before
/// the stopping point.
/// - Complexity: O(n); 32-byte blocks that cannot hold the stopping point are counted
///   without looking at single bytes.
func scanPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ metric: Metric, _ target: Int) -> TextSummary {
    let n = bytes.count
    guard n > 0, target > 0, let base = bytes.baseAddress else { return TextSummary() }
    if metric == .utf8 {
        var end = min(target, n)
        while end > 0 && end < n && !isLead(bytes[end]) { end -= 1 }
        return TextSummary(utf8: UnsafeBufferPointer(rebasing: bytes[0..<end]))
    }
    let raw = UnsafeRawPointer(base)
    var c = ByteCounts()
    var i = 0
    // Skip blocks whose end still leaves the count below the target. A block's counts include
    // scalars that start in it and end in the next block; that is fine for a lower bound.
    while n - i >= 32 {
        let w = countWords(raw, i, 4)
        let after: Int
        switch metric {
        case .newlines: after = c.lfs + w.lfs
        case .utf16: after = c.leads + c.fours + w.leads + w.fours
        default: after = c.leads + w.leads
        }
        if after >= target { break }
        c.add(w)
        i += 32
    }
    if metric == .newlines {
        while i < n {
            let x = bytes[i]
            c.add(byte: x)
            i += 1
            if x == 0x0A && c.lfs == target { break }
        }
        return TextSummary(utf8: i, utf16: c.leads + c.fours, scalars: c.leads, newlines: c.lfs)
    }
    // Finish the scalar the skipped blocks ended inside of (already counted).
    while i < n && !isLead(bytes[i]) { i += 1 }
    let wantUTF16 = metric == .utf16
    var count = wantUTF16 ? c.leads + c.fours : c.leads
    while i < n {
        let x = bytes[i]
        let len = scalarLength(lead: x)
        let step = wantUTF16 && len == 4 ? 2 : 1
        if count + step > target { break }
        count += step
        c.leads += 1
        if len == 4 { c.fours += 1 }
        if x == 0x0A { c.lfs += 1 }
        i += len
    }
    return TextSummary(utf8: i, utf16: c.leads + c.fours, scalars: c.leads, newlines: c.lfs)
}
