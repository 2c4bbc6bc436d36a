// The B-tree behind `Rope`. Leaves hold 512...2048 bytes of valid UTF-8 that never split a
// scalar (and avoid splitting "\r\n" where the choice is free); internal nodes hold 6...16
// children of equal height and cache the summed `TextSummary` of their subtree. The root is
// exempt from the minimums. Nodes are shared between rope values and copied on the way
// down only when shared (path copying), which makes `Rope` a persistent value type.

enum Tuning {
    /// Largest leaf, in bytes.
    static let maxLeaf = 2048
    /// Smallest non-root leaf, in bytes.
    static let minLeaf = 512
    /// Leaf size when building from a string (room for typing before the first split).
    static let buildLeaf = 1536
    /// Most children of an internal node.
    static let maxChildren = 16
    /// Fewest children of a non-root internal node.
    static let minChildren = 6
    /// Children per internal node when building.
    static let buildChildren = 12
}

final class Node: @unchecked Sendable {
    // `@unchecked Sendable`: a node is only mutated while uniquely referenced (checked with
    // `isKnownUniquelyReferenced` on the way down), so a node visible to two threads is immutable.

    /// Summary of the whole subtree.
    var summary: TextSummary
    /// 0 for leaves.
    let height: Int
    /// The text of a leaf; empty in internal nodes.
    var bytes: [UInt8]
    /// The children of an internal node; empty in leaves.
    var children: [Node]

    @inline(__always) var isLeaf: Bool { height == 0 }

    init(leaf bytes: [UInt8], summary: TextSummary) {
        self.bytes = bytes
        self.summary = summary
        self.height = 0
        self.children = []
    }

    convenience init(leaf bytes: [UInt8]) {
        let s = bytes.withUnsafeBufferPointer { TextSummary(utf8: $0) }
        self.init(leaf: bytes, summary: s)
    }

    convenience init(leaf bytes: UnsafeBufferPointer<UInt8>) {
        self.init(leaf: Array(bytes), summary: TextSummary(utf8: bytes))
    }

    init(children: [Node]) {
        var s = TextSummary()
        for c in children { s += c.summary }
        self.summary = s
        self.height = children[0].height + 1
        self.children = children
        self.bytes = []
    }

    init(children: [Node], summary: TextSummary) {
        self.summary = summary
        self.height = children[0].height + 1
        self.children = children
        self.bytes = []
    }

    /// A shallow copy (children are shared, arrays copy on write).
    init(copying other: Node) {
        summary = other.summary
        height = other.height
        bytes = other.bytes
        children = other.children
    }

    static func emptyLeaf() -> Node { Node(leaf: [], summary: TextSummary()) }

    var isUnderfull: Bool {
        isLeaf ? bytes.count < Tuning.minLeaf : children.count < Tuning.minChildren
    }

    /// Child `i`, first copied if it is shared, so that it may be mutated in place.
    @inline(__always) func uniqueChild(_ i: Int) -> Node {
        if !isKnownUniquelyReferenced(&children[i]) { children[i] = Node(copying: children[i]) }
        return children[i]
    }
}

// MARK: - Cutting and grouping

/// A cut position near `i` that does not split a scalar or a "\r\n" pair.
@inline(__always) func cutPoint(_ b: UnsafeBufferPointer<UInt8>, near i: Int) -> Int {
    var c = i
    while c > 0 && c < b.count && !isLead(b[c]) { c -= 1 }
    if c > 1 && c < b.count && b[c] == 0x0A && b[c - 1] == 0x0D { c -= 1 }
    return c
}

/// Leaves of about `target` bytes (at most `target + 4`, at least `target / 2 - 4` when there
/// are several) covering `b`.
func makeLeaves(_ b: UnsafeBufferPointer<UInt8>, target: Int) -> [Node] {
    let n = b.count
    if n == 0 { return [] }
    let k = (n + target - 1) / target
    var out: [Node] = []
    out.reserveCapacity(k)
    var prev = 0
    for j in 1...k {
        let cut = j == k ? n : cutPoint(b, near: j * n / k)
        if cut > prev {
            out.append(Node(leaf: UnsafeBufferPointer(rebasing: b[prev..<cut])))
            prev = cut
        }
    }
    return out
}

/// Parents for `nodes` (all of one height), about `target` children each, evenly spread.
func makeParents(_ nodes: [Node], target: Int) -> [Node] {
    let n = nodes.count
    let k = (n + target - 1) / target
    var out: [Node] = []
    out.reserveCapacity(k)
    var prev = 0
    for j in 1...k {
        let cut = j * n / k
        out.append(Node(children: Array(nodes[prev..<cut])))
        prev = cut
    }
    return out
}

/// One node over `nodes` (all of one height), adding levels as needed.
func makeRoot(_ nodes: [Node], target: Int) -> Node {
    if nodes.isEmpty { return Node.emptyLeaf() }
    var level = nodes
    while level.count > 1 { level = makeParents(level, target: target) }
    return level[0]
}

// MARK: - Insert

extension Node {
    /// Inserts valid UTF-8 `b` (summary `s`) at byte `offset` (a scalar boundary) of this
    /// uniquely referenced node. Returns the new siblings to place right after this node
    /// when it overflowed (empty almost always).
    func insert(_ b: UnsafeBufferPointer<UInt8>, _ s: TextSummary, at offset: Int) -> [Node] {
        if isLeaf {
            bytes.insert(contentsOf: b, at: offset)
            summary += s
            if bytes.count <= Tuning.maxLeaf {
                #if STET_INVARIANTS
                checkLeaf()
                #endif
                return []
            }
            var pieces = bytes.withUnsafeBufferPointer { makeLeaves($0, target: Tuning.maxLeaf - 8) }
            bytes = pieces[0].bytes
            summary = pieces[0].summary
            pieces.removeFirst()
            #if STET_INVARIANTS
            checkLeaf()
            for p in pieces { p.checkLeaf() }
            #endif
            return pieces
        }
        var acc = 0
        var i = 0
        let last = children.count - 1
        while i < last {
            let c = children[i].summary.utf8
            if offset <= acc + c { break }
            acc += c
            i += 1
        }
        let extra = uniqueChild(i).insert(b, s, at: offset - acc)
        summary += s
        if extra.isEmpty { return [] }
        children.insert(contentsOf: extra, at: i + 1)
        if children.count <= Tuning.maxChildren { return [] }
        var groups = makeParents(children, target: Tuning.maxChildren)
        children = groups[0].children
        summary = groups[0].summary
        groups.removeFirst()
        return groups
    }
}

// MARK: - Delete

extension Node {
    /// Removes bytes `lo..<hi` (scalar boundaries, `lo < hi`) from this uniquely referenced
    /// node. Returns the summary of what was removed. Children left too small are fused with
    /// a neighbour; this node itself may be left underfull (its parent fixes that).
    func delete(_ lo: Int, _ hi: Int) -> TextSummary {
        if isLeaf {
            let removed = bytes.withUnsafeBufferPointer { TextSummary(utf8: UnsafeBufferPointer(rebasing: $0[lo..<hi])) }
            bytes.removeSubrange(lo..<hi)
            summary -= removed
            #if STET_INVARIANTS
            checkLeaf()
            #endif
            return removed
        }
        var removed = TextSummary()
        var acc = 0
        var i = 0
        var fullStart = -1
        var fullEnd = -1
        var firstTouched = -1
        while i < children.count && acc < hi {
            let cs = children[i].summary
            let start = acc
            let end = acc + cs.utf8
            if end > lo {
                if firstTouched < 0 { firstTouched = i }
                if lo <= start && end <= hi {
                    if fullStart < 0 { fullStart = i }
                    fullEnd = i + 1
                    removed += cs
                } else {
                    removed += uniqueChild(i).delete(max(lo, start) - start, min(hi, end) - start)
                }
            }
            acc = end
            i += 1
        }
        if fullStart >= 0 { children.removeSubrange(fullStart..<fullEnd) }
        summary -= removed
        // Only the (at most two) partly deleted children can have become too small; after the
        // removal they sit at firstTouched and firstTouched + 1.
        fixUnderfull(&children, from: firstTouched, through: firstTouched + 1)
        return removed
    }
}

/// Fuses the underfull nodes among `nodes[lo...hi]` (siblings of one height; the others are
/// known to be full enough) with a neighbour until none is underfull or a single node is left.
func fixUnderfull(_ nodes: inout [Node], from lo: Int, through hi: Int) {
    var i = max(lo, 0)
    var hi = hi
    while i <= hi && i < nodes.count && nodes.count > 1 {
        if nodes[i].isUnderfull {
            let l = i + 1 < nodes.count ? i : i - 1
            let fused = fuse(nodes[l], nodes[l + 1])
            nodes.replaceSubrange(l...(l + 1), with: fused)
            if fused.count == 1 {
                hi -= 1
                i = l  // the fused node may still be underfull
            } else {
                i = l + 2  // both halves are full enough now
            }
        } else {
            i += 1
        }
    }
}

/// Two siblings as one node, or as two nodes that are both full enough when they do not fit
/// in one. Never mutates `a` or `b` (they may be shared).
func fuse(_ a: Node, _ b: Node) -> [Node] {
    if a.isLeaf {
        var bytes = a.bytes
        bytes.append(contentsOf: b.bytes)
        let out: [Node]
        if bytes.count <= Tuning.maxLeaf {
            out = [Node(leaf: bytes, summary: a.summary + b.summary)]
        } else {
            out = bytes.withUnsafeBufferPointer { buf in
                let cut = cutPoint(buf, near: buf.count / 2)
                return [Node(leaf: UnsafeBufferPointer(rebasing: buf[0..<cut])),
                        Node(leaf: UnsafeBufferPointer(rebasing: buf[cut...]))]
            }
        }
        #if STET_INVARIANTS
        for n in out { n.checkLeaf() }
        #endif
        return out
    }
    var kids = a.children
    let seam = kids.count
    kids.append(contentsOf: b.children)
    fixUnderfull(&kids, from: seam - 1, through: seam)
    if kids.count <= Tuning.maxChildren {
        return [Node(children: kids, summary: a.summary + b.summary)]
    }
    let half = kids.count / 2
    return [Node(children: Array(kids[0..<half])), Node(children: Array(kids[half...]))]
}

// MARK: - Reading

extension Node {
    /// Calls `body` with the leaf bytes overlapping `lo..<hi` (byte offsets in this subtree), in order.
    func forEachChunk(_ lo: Int, _ hi: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        if isLeaf {
            try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[lo..<hi])) }
            return
        }
        var acc = 0
        for c in children {
            let end = acc + c.summary.utf8
            if end > lo && acc < hi {
                try c.forEachChunk(max(lo, acc) - acc, min(hi, end) - acc, body)
            }
            if end >= hi { break }
            acc = end
        }
    }
}
