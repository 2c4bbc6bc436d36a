extension Rope {
    /// Checks the tree's structural invariants and traps with a description when one fails:
    /// every leaf at the same depth; cached summaries equal to the sums of the children;
    /// non-root nodes within their size bounds; no empty non-root leaf. With `deep`, also
    /// that every leaf holds valid UTF-8 whose counts match its cached summary.
    /// Runs after every edit in debug builds (`STET_INVARIANTS`) without `deep`; the leaves an
    /// edit writes are checked deeply as they are written.
    /// - Complexity: O(nodes), or O(n) with `deep`.
    public func checkInvariants(deep: Bool = true) {
        check(root, isRoot: true, deep: deep)
    }

    private func check(_ node: Node, isRoot: Bool, deep: Bool) {
        if node.isLeaf {
            precondition(node.children.isEmpty, "leaf with children")
            if !isRoot {
                precondition(!node.bytes.isEmpty, "empty non-root leaf")
                precondition(node.bytes.count >= Tuning.minLeaf, "leaf of \(node.bytes.count) bytes is underfull")
            }
            precondition(node.bytes.count <= Tuning.maxLeaf, "leaf of \(node.bytes.count) bytes is too big")
            precondition(node.summary.utf8 == node.bytes.count, "leaf utf8 count \(node.summary.utf8) != \(node.bytes.count) bytes")
            if let first = node.bytes.first { precondition(isLead(first), "leaf starts inside a scalar") }
            if deep { node.checkLeaf() }
            return
        }
        precondition(node.bytes.isEmpty, "internal node with bytes")
        precondition(!node.children.isEmpty, "internal node without children")
        precondition(!isRoot || node.children.count >= 2, "root with a single child")
        precondition(node.children.count <= Tuning.maxChildren, "node with \(node.children.count) children")
        if !isRoot { precondition(node.children.count >= Tuning.minChildren, "node with \(node.children.count) children is underfull") }
        var sum = TextSummary()
        for c in node.children {
            precondition(c.height == node.height - 1, "child height \(c.height) under height \(node.height)")
            check(c, isRoot: false, deep: deep)
            sum += c.summary
        }
        precondition(sum == node.summary, "node summary \(node.summary) != sum of children \(sum)")
    }
}

extension Node {
    /// Checks that a leaf holds valid UTF-8 whose counts match its cached summary.
    /// - Complexity: O(bytes)
    func checkLeaf() {
        bytes.withUnsafeBufferPointer { b in
            precondition(isValidUTF8(b), "leaf holds invalid UTF-8")
            let recount = TextSummary(utf8: b)
            precondition(recount == summary, "leaf summary \(summary) != recount \(recount)")
        }
    }
}

/// Strict UTF-8 validation (no overlong forms, surrogates or values past U+10FFFF).
func isValidUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    let n = b.count
    while i < n {
        let c = b[i]
        if c < 0x80 { i += 1; continue }
        let len: Int
        var lo: UInt8 = 0x80
        var hi: UInt8 = 0xBF
        switch c {
        case 0xC2...0xDF: len = 2
        case 0xE0: len = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: len = 3
        case 0xED: len = 3; hi = 0x9F
        case 0xF0: len = 4; lo = 0x90
        case 0xF1...0xF3: len = 4
        case 0xF4: len = 4; hi = 0x8F
        default: return false
        }
        if i + len > n { return false }
        if b[i + 1] < lo || b[i + 1] > hi { return false }
        var k = 2
        while k < len {
            if b[i + k] & 0xC0 != 0x80 { return false }
            k += 1
        }
        i += len
    }
    return true
}
