extension Doc {
    /// Checks the store's structural invariants; traps with a description when one fails.
    /// Runs after every transaction in debug builds (`STET_INVARIANTS`).
    /// - Complexity: O(items)
    public func checkInvariants() {
        for (si, s) in slots.enumerated() {
            var h = s.first
            var clock = 0
            var prev = noHandle
            while h != noHandle {
                let r = items[h]
                precondition(!r.flags.contains(.dead), "dead item in clock chain of client \(s.id)")
                precondition(r.clock == clock, "clock gap in client \(s.id): expected \(clock), got \(r.clock)")
                precondition(r.length > 0, "empty item")
                precondition(r.prevInClock == prev, "broken clock chain at \(r.id)")
                precondition(Int(r.slot) == si, "wrong slot")
                clock += r.length
                prev = h
                h = r.nextInClock
            }
            precondition(prev == s.last, "slot last mismatch for client \(s.id)")
            precondition(clock == s.state, "state \(s.state) != chain end \(clock) for client \(s.id)")
            var lastClock = -1
            for x in s.index {
                precondition(!items[x].flags.contains(.dead), "dead item in index")
                precondition(items[x].clock > lastClock, "index not sorted")
                lastClock = items[x].clock
            }
        }
        for (ti, t) in types.enumerated() {
            var h = t.start
            var prev = noHandle
            var len = 0
            while h != noHandle {
                let r = items[h]
                precondition(r.left == prev, "broken left link at \(r.id)")
                precondition(Int(r.parent) == ti, "item \(r.id) in wrong parent")
                len += r.visibleLength
                prev = h
                h = r.right
            }
            precondition(len == t.length, "type length \(t.length) != visible \(len)")
            if t.cacheItem != noHandle && !items[t.cacheItem].flags.contains(.dead) && Int(items[t.cacheItem].parent) == ti {
                var x = t.start
                var at = 0
                while x != noHandle && x != t.cacheItem { at += items[x].visibleLength; x = items[x].right }
                precondition(x == noHandle || at == t.cacheIndex, "position cache wrong: \(t.cacheIndex) vs \(at)")
            }
        }
    }
}
