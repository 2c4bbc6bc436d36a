// `Rope`: the visible text as a persistent balanced tree of UTF-8 chunks with O(log n)
// edits and O(log n) conversions between UTF-8, UTF-16, scalar and line positions.

/// Text stored as a B-tree of UTF-8 chunks, each node caching the UTF-8, UTF-16, scalar and
/// newline counts of its subtree.
///
/// `Rope` is a value type: copies share their nodes, and an edit copies only the nodes on
/// its path (O(log n)), so keeping old versions around is cheap.
///
/// Positions are typed (`UTF8Offset`, `UTF16Offset`, `ScalarOffset`, `Line`): every API
/// that takes an offset accepts any `TextOffset` and answers in the same unit unless its
/// name says otherwise. An offset that falls inside a scalar (a UTF-8 offset inside a
/// multi-byte sequence, a UTF-16 offset between the halves of a surrogate pair) is rounded
/// down to the scalar's start. Offsets past the end are a programming error (trap), like
/// array indices.
///
/// Lines end after "\n"; "\r\n" is one line break whose "\r" belongs to the line ending. A
/// lone "\r" is ordinary content. Text ending with "\n" has a last, empty line, so
/// `lineCount == newlines + 1` and an empty rope has one (empty) line.
public struct Rope: Sendable {
    var root: Node

    /// An empty rope.
    /// - Complexity: O(1)
    public init() { root = Node.emptyLeaf() }

    /// A rope holding `text`.
    /// - Complexity: O(n); about 10 ms for 10 MB in release builds.
    public init(_ text: some StringProtocol) {
        var s = String(text)
        root = s.withUTF8 { Rope.build($0) }
        afterMutation()
    }

    init(root: Node) { self.root = root }

    static func build(_ b: UnsafeBufferPointer<UInt8>) -> Node {
        makeRoot(makeLeaves(b, target: Tuning.buildLeaf), target: Tuning.buildChildren)
    }

    // MARK: Sizes

    /// The counts of the whole text in every unit.
    /// - Complexity: O(1)
    public var summary: TextSummary { root.summary }
    /// Length in UTF-8 code units (bytes).
    /// - Complexity: O(1)
    public var utf8Count: Int { root.summary.utf8 }
    /// Length in UTF-16 code units.
    /// - Complexity: O(1)
    public var utf16Count: Int { root.summary.utf16 }
    /// Length in Unicode scalars.
    /// - Complexity: O(1)
    public var scalarCount: Int { root.summary.scalars }
    /// Number of lines: the number of "\n" plus one.
    /// - Complexity: O(1)
    public var lineCount: Int { root.summary.newlines + 1 }
    /// True when the rope holds no text.
    /// - Complexity: O(1)
    public var isEmpty: Bool { root.summary.utf8 == 0 }
    /// Height of the tree (0 when the text fits in one chunk). For tests and diagnostics.
    /// - Complexity: O(1)
    public var height: Int { root.height }

    /// The end of the text in the unit of `O`.
    /// - Complexity: O(1)
    public func endOffset<O: TextOffset>(_: O.Type = O.self) -> O {
        O(root.summary.value(Metric(O.unit)))
    }

    // MARK: Seeking

    /// The summary of the prefix that ends where `metric` reaches `target` (rounded down to a
    /// scalar boundary; for `.newlines`, right after the `target`-th "\n").
    /// - Complexity: O(log n)
    func seek(_ metric: Metric, _ target: Int) -> TextSummary {
        var node = root
        var acc = TextSummary()
        while !node.isLeaf {
            let kids = node.children
            var i = 0
            let last = kids.count - 1
            var base = acc.value(metric)
            while i < last {
                let s = kids[i].summary
                let v = s.value(metric)
                if target <= base + v { break }
                base += v
                acc += s
                i += 1
            }
            node = kids[i]
        }
        let local = node.bytes.withUnsafeBufferPointer { scanPrefix($0, metric, target - acc.value(metric)) }
        return acc + local
    }

    /// The prefix summary at `offset`, checking that it is in range.
    @inline(__always) func prefix<O: TextOffset>(_ offset: O) -> TextSummary {
        let m = Metric(O.unit)
        precondition(offset.value >= 0 && offset.value <= root.summary.value(m), "\(offset) out of range 0...\(root.summary.value(m))")
        return seek(m, offset.value)
    }

    /// The UTF-8 position of `offset` (rounded down to a scalar boundary).
    @inline(__always) func bytePosition<O: TextOffset>(_ offset: O) -> Int { prefix(offset).utf8 }

    /// The byte at UTF-8 position `i` (`0 <= i < utf8Count`).
    /// - Complexity: O(log n)
    func byte(at i: Int) -> UInt8 {
        var node = root
        var local = i
        while !node.isLeaf {
            var j = 0
            let last = node.children.count - 1
            while j < last {
                let c = node.children[j].summary.utf8
                if local < c { break }
                local -= c
                j += 1
            }
            node = node.children[j]
        }
        return node.bytes[local]
    }

    // MARK: Conversions

    /// The counts of the text before `offset` in every unit, including the number of "\n"
    /// before it (its zero-based line number).
    /// - Complexity: O(log n)
    public func summary<O: TextOffset>(upTo offset: O) -> TextSummary { prefix(offset) }

    /// `offset` expressed in the unit of `T` (rounded down to a scalar boundary).
    /// - Complexity: O(log n)
    public func convert<T: TextOffset>(_ offset: some TextOffset, to _: T.Type) -> T {
        T(prefix(offset).value(Metric(T.unit)))
    }

    /// The UTF-8 offset of `offset`.
    /// - Complexity: O(log n)
    public func utf8Offset(of offset: some TextOffset) -> UTF8Offset { UTF8Offset(prefix(offset).utf8) }

    /// The UTF-16 offset of `offset`.
    /// - Complexity: O(log n)
    public func utf16Offset(of offset: some TextOffset) -> UTF16Offset { UTF16Offset(prefix(offset).utf16) }

    /// The scalar offset of `offset`.
    /// - Complexity: O(log n)
    public func scalarOffset(of offset: some TextOffset) -> ScalarOffset { ScalarOffset(prefix(offset).scalars) }

    /// `offset` rounded down to the nearest scalar boundary.
    /// - Complexity: O(log n)
    public func roundedToScalar<O: TextOffset>(_ offset: O) -> O { O(prefix(offset).value(Metric(O.unit))) }

    // MARK: Editing

    /// Inserts `text` at `offset`.
    /// - Complexity: O(log n + k) for k inserted bytes.
    public mutating func insert<O: TextOffset>(_ text: some StringProtocol, at offset: O) {
        let at = bytePosition(offset)
        var s = String(text)
        s.withUTF8 { insertBytes($0, at: at) }
    }

    /// Appends `text` at the end.
    /// - Complexity: O(log n + k) for k inserted bytes.
    public mutating func append(_ text: some StringProtocol) {
        var s = String(text)
        let at = utf8Count
        s.withUTF8 { insertBytes($0, at: at) }
    }

    /// Removes the text in `range`.
    /// - Complexity: O(log n) (plus the bytes moved inside at most two chunks).
    public mutating func delete<O: TextOffset>(_ range: Range<O>) {
        let lo = bytePosition(range.lowerBound)
        let hi = bytePosition(range.upperBound)
        deleteBytes(lo, hi)
    }

    /// Replaces the text in `range` with `text`.
    /// - Complexity: O(log n + k) for k inserted bytes.
    public mutating func replace<O: TextOffset>(_ range: Range<O>, with text: some StringProtocol) {
        let lo = bytePosition(range.lowerBound)
        let hi = bytePosition(range.upperBound)
        deleteBytes(lo, hi)
        var s = String(text)
        s.withUTF8 { insertBytes($0, at: lo) }
    }

    mutating func insertBytes(_ b: UnsafeBufferPointer<UInt8>, at: Int) {
        if b.isEmpty { return }
        let s = TextSummary(utf8: b)
        if !isKnownUniquelyReferenced(&root) { root = Node(copying: root) }
        let extra = root.insert(b, s, at: at)
        if !extra.isEmpty {
            root = makeRoot([root] + extra, target: Tuning.maxChildren)
        }
        afterMutation()
    }

    mutating func deleteBytes(_ lo: Int, _ hi: Int) {
        if lo >= hi { return }
        if !isKnownUniquelyReferenced(&root) { root = Node(copying: root) }
        _ = root.delete(lo, hi)
        while !root.isLeaf && root.children.count == 1 { root = root.children[0] }
        if !root.isLeaf && root.children.isEmpty { root = Node.emptyLeaf() }
        afterMutation()
    }

    @inline(__always) func afterMutation() {
        #if STET_INVARIANTS
        checkInvariants(deep: false)
        #endif
    }

    // MARK: Reading

    /// The whole text.
    /// - Complexity: O(n)
    public var string: String { string(0, utf8Count) }

    /// The text in `range`.
    /// - Complexity: O(log n + k) for k bytes returned.
    public func substring<O: TextOffset>(_ range: Range<O>) -> String {
        string(bytePosition(range.lowerBound), bytePosition(range.upperBound))
    }

    func string(_ lo: Int, _ hi: Int) -> String {
        if lo >= hi { return "" }
        return String(unsafeUninitializedCapacity: hi - lo) { out in
            var n = 0
            root.forEachChunk(lo, hi) { chunk in
                _ = UnsafeMutableBufferPointer(rebasing: out[n..<(n + chunk.count)]).initialize(from: chunk)
                n += chunk.count
            }
            return n
        }
    }

    /// The UTF-8 bytes in `lo..<hi`.
    func bytes(_ lo: Int, _ hi: Int) -> [UInt8] {
        var out: [UInt8] = []
        if lo >= hi { return out }
        out.reserveCapacity(hi - lo)
        root.forEachChunk(lo, hi) { out.append(contentsOf: $0) }
        return out
    }

    /// A rope holding the text in `range`; it shares all but O(log n) nodes with this one.
    /// - Complexity: O(log n)
    public func slice<O: TextOffset>(_ range: Range<O>) -> Rope {
        let lo = bytePosition(range.lowerBound)
        let hi = bytePosition(range.upperBound)
        var r = self
        r.deleteBytes(hi, utf8Count)
        r.deleteBytes(0, lo)
        return r
    }

    /// Calls `body` with the UTF-8 chunks of `range`, in order (for writing a file or hashing
    /// without building one big string). Chunks hold whole scalars.
    /// - Complexity: O(log n + k) for k bytes visited.
    public func forEachUTF8Chunk<O: TextOffset>(in range: Range<O>, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        let lo = bytePosition(range.lowerBound)
        let hi = bytePosition(range.upperBound)
        if lo < hi { try root.forEachChunk(lo, hi, body) }
    }

    /// Calls `body` with the UTF-8 chunks of the whole text, in order.
    /// - Complexity: O(n)
    public func forEachUTF8Chunk(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        if !isEmpty { try root.forEachChunk(0, utf8Count, body) }
    }
}

extension Rope: CustomStringConvertible, CustomDebugStringConvertible, ExpressibleByStringLiteral, Equatable {
    /// - Complexity: O(n)
    public var description: String { string }
    /// The sizes, not the text.
    /// - Complexity: O(1)
    public var debugDescription: String {
        "Rope(utf8: \(utf8Count), utf16: \(utf16Count), scalars: \(scalarCount), lines: \(lineCount), height: \(height))"
    }
    /// - Complexity: O(n)
    public init(stringLiteral value: String) { self.init(value) }
    /// Equal texts (byte for byte; no Unicode normalization).
    /// - Complexity: O(n), O(1) when both share the same root.
    public static func == (a: Rope, b: Rope) -> Bool {
        if a.root === b.root { return true }
        if a.summary != b.summary { return false }
        // Compare chunk streams without assuming equal chunking.
        var other: [UInt8] = []
        other.reserveCapacity(b.utf8Count)
        b.forEachUTF8Chunk { other.append(contentsOf: $0) }
        var pos = 0
        var equal = true
        a.forEachUTF8Chunk { chunk in
            guard equal else { return }
            for k in 0..<chunk.count where other[pos + k] != chunk[k] { equal = false; return }
            pos += chunk.count
        }
        return equal
    }
}
