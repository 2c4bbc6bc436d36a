import StetText

/// Find state: the query and, lazily, the text's bytes to search (rebuilt after a change).
struct FindState {
    var query = ""
    /// Where the cursor was when the find prompt opened (Esc goes back there).
    var origin: Selection?
    private var bytes: [UInt8]?
    private var bytesVersion = -1

    mutating func textChanged() { bytes = nil }

    mutating func haystack(_ rope: Rope, version: Int) -> [UInt8] {
        if let b = bytes, bytesVersion == version { return b }
        var b: [UInt8] = []
        b.reserveCapacity(rope.utf8Count)
        rope.forEachUTF8Chunk { b.append(contentsOf: $0) }
        bytes = b
        bytesVersion = version
        return b
    }
}

/// Plain-text search over UTF-8 bytes. Smart case: a query without capitals ignores
/// ASCII case. Matches start on grapheme boundaries (checked by the caller).
enum Search {
    static func fold(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }

    static func ignoresCase(_ query: String) -> Bool { !query.contains { $0.isUppercase } }

    /// The first match starting at or after `from` (wrapping to the start when `wrap`).
    /// - Complexity: O(n·m) worst case, O(n) typically.
    static func next(_ q: [UInt8], in h: [UInt8], from: Int, ignoreCase: Bool, wrap: Bool) -> Int? {
        if let i = scan(q, h, from..<h.count, ignoreCase) { return i }
        return wrap ? scan(q, h, 0..<min(from + q.count - 1, h.count), ignoreCase) : nil
    }

    /// The last match starting before `before` (wrapping to the end when `wrap`).
    static func previous(_ q: [UInt8], in h: [UInt8], before: Int, ignoreCase: Bool, wrap: Bool) -> Int? {
        if let i = scanBack(q, h, before, ignoreCase) { return i }
        return wrap ? scanBack(q, h, h.count, ignoreCase).flatMap { $0 >= before ? $0 : nil } : nil
    }

    static func matches(_ q: [UInt8], _ h: UnsafeBufferPointer<UInt8>, at i: Int, _ ic: Bool) -> Bool {
        if i + q.count > h.count { return false }
        for j in 0..<q.count {
            let a = h[i + j], b = q[j]
            if a != b && !(ic && fold(a) == fold(b)) { return false }
        }
        return true
    }

    static func scan(_ q: [UInt8], _ h: [UInt8], _ range: Range<Int>, _ ic: Bool) -> Int? {
        guard let f = q.first, range.lowerBound >= 0 else { return nil }
        let ff = fold(f)
        return h.withUnsafeBufferPointer { hp in
            var i = range.lowerBound
            let end = min(range.upperBound, h.count - q.count + 1)
            while i < end {
                let b = hp[i]
                if (b == f || (ic && fold(b) == ff)) && matches(q, hp, at: i, ic) { return i }
                i += 1
            }
            return nil
        }
    }

    static func scanBack(_ q: [UInt8], _ h: [UInt8], _ before: Int, _ ic: Bool) -> Int? {
        guard !q.isEmpty else { return nil }
        return h.withUnsafeBufferPointer { hp in
            var i = min(before, h.count - q.count + 1) - 1
            while i >= 0 {
                if matches(q, hp, at: i, ic) { return i }
                i -= 1
            }
            return nil
        }
    }

    /// Every match in `range` of the haystack (for highlighting what is on screen).
    static func all(_ q: [UInt8], in h: [UInt8], range: Range<Int>, ignoreCase: Bool, limit: Int = 1000) -> [Int] {
        var out: [Int] = []
        var i = range.lowerBound
        while out.count < limit, let m = scan(q, h, i..<range.upperBound, ignoreCase) {
            out.append(m)
            i = m + max(q.count, 1)
        }
        return out
    }
}

extension Editor {
    var queryBytes: [UInt8] { Array(find.query.utf8) }

    func startFind(initial: String) {
        find.origin = selection
        prompt = Prompt(kind: .find, text: initial)
        if !initial.isEmpty { _ = findFrom(selection.range.lowerBound.value, forward: true, quiet: false) }
    }

    /// Selects the next (or previous) match of the query starting from byte `from`.
    func findFrom(_ from: Int, forward: Bool, quiet: Bool, wrap: Bool = true) -> Bool {
        let q = queryBytes
        guard !q.isEmpty else { return false }
        let h = find.haystack(rope, version: buffer.version)
        let ic = Search.ignoresCase(find.query)
        var start = from
        for _ in 0..<64 {  // skip matches that do not start on a grapheme boundary
            let hit = forward ? Search.next(q, in: h, from: start, ignoreCase: ic, wrap: wrap)
                              : Search.previous(q, in: h, before: start, ignoreCase: ic, wrap: wrap)
            guard let i = hit else {
                if !quiet { error("not found: \(find.query)") }
                return false
            }
            let o = UTF8Offset(i)
            if !rope.isGraphemeBoundary(o) || !rope.isGraphemeBoundary(o + q.count) {
                start = forward ? i + 1 : i
                continue
            }
            let wrapped = forward ? i < from : i >= from
            selection = Selection(anchor: o, head: o + q.count)
            goalColumn = nil
            scrollToCursor()
            if !quiet { info(wrapped ? "search wrapped around" : "") }
            if message?.text.isEmpty == true { message = nil }
            return true
        }
        return false
    }

    func findStep(forward: Bool) -> [Effect] {
        guard !find.query.isEmpty else {
            startFind(initial: "")
            return []
        }
        let from = forward ? selection.range.upperBound.value : selection.range.lowerBound.value
        let fromAdj = forward && selection.isEmpty ? from : from
        return findFrom(fromAdj, forward: forward, quiet: false) ? [] : [.bell]
    }

    /// Replaces every match of `old` by `new` in one transaction (one undo step).
    func replaceAll(_ old: String, with new: String) {
        find.query = old
        let q = Array(old.utf8)
        guard !q.isEmpty else { return }
        let h = find.haystack(rope, version: buffer.version)
        let ic = Search.ignoresCase(old)
        let hits = Search.all(q, in: h, range: 0..<h.count, ignoreCase: ic, limit: Int.max).filter {
            rope.isGraphemeBoundary(UTF8Offset($0)) && rope.isGraphemeBoundary(UTF8Offset($0 + q.count))
        }
        guard !hits.isEmpty else { error("not found: \(old)"); return }
        undoManager.stopCapturing()
        buffer.replace(hits.map { (UTF8Offset($0)..<UTF8Offset($0 + q.count), new) })
        undoManager.stopCapturing()
        scrollToCursor()
        info("replaced \(hits.count) occurrence\(hits.count == 1 ? "" : "s")")
    }
}
