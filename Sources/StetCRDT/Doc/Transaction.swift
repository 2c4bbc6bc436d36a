/// What a finished transaction did, for observers such as the undo manager.
public struct TransactionInfo: Sendable {
    public var origin: Origin?
    /// True for local edits, false for applied updates.
    public var local: Bool
    /// Ranges of clocks created by this transaction, per client.
    public var inserted: DeleteSet
    /// Ranges of clocks deleted by this transaction, per client.
    public var deleted: DeleteSet
    /// Types whose content changed (root names; nested types are reported by their root).
    public var changedRoots: Set<String>
}

/// A list reused across transactions: `reset` is O(1) and keeps the storage, so a
/// keystroke's transaction allocates nothing once it has grown. For trivial element types.
struct Scratch<T> {
    private var storage: [T] = []
    private(set) var count = 0

    @inline(__always) mutating func append(_ x: T) {
        if count < storage.count { storage[count] = x } else { storage.append(x) }
        count += 1
    }
    @inline(__always) mutating func reset() { count = 0 }
    @inline(__always) var isEmpty: Bool { count == 0 }
    @inline(__always) var last: T? { count > 0 ? storage[count - 1] : nil }
    @inline(__always) subscript(i: Int) -> T {
        get { storage[i] }
        set { storage[i] = newValue }
    }
    var elements: ArraySlice<T> { storage[0..<count] }
}

struct BeforeEntry { var slot: Int32; var clock: Clock; var firstAdded: Handle }
struct DeleteEntry { var slot: Int32; var range: DeleteRange; var hint: Handle }
struct MergeEntry { var id: ID; var handle: Handle }
struct ChangedEntry { var type: Int32; var key: Int32 }

/// The bookkeeping of the running transaction. One instance per document is reused.
final class TxnState {
    var origin: Origin?
    var local = true
    /// Clients whose state changed, with their clock before the transaction and the first
    /// struct the transaction added (a hint for the merge pass; it may have died since).
    var before = Scratch<BeforeEntry>()
    /// Deleted ranges in the order they happened.
    var rawDeletes = Scratch<DeleteEntry>()
    /// Sorted by (slot, clock) and merged (filled at commit); `hint` holds the range's last unit.
    var deletes = Scratch<DeleteEntry>()
    var mergeStructs = Scratch<MergeEntry>()
    var changedList = Scratch<ChangedEntry>()

    @inline(__always)
    func reset(origin: Origin?, local: Bool) {
        self.origin = origin
        self.local = local
        before.reset()
        rawDeletes.reset()
        deletes.reset()
        mergeStructs.reset()
        changedList.reset()
    }

    @inline(__always)
    func noteBefore(slot: Int32, clock: Clock, handle: Handle) {
        for i in 0..<before.count where before[i].slot == slot { return }
        before.append(BeforeEntry(slot: slot, clock: clock, firstAdded: handle))
    }

    func beforeState(_ slot: Int32) -> Clock? {
        for i in 0..<before.count where before[i].slot == slot { return before[i].clock }
        return nil
    }

    @inline(__always)
    func addDelete(slot: Int32, clock: Clock, length: Int, handle: Handle) {
        if let last = rawDeletes.last, last.slot == slot, last.range.end == clock {
            rawDeletes[rawDeletes.count - 1].range.length += length
            rawDeletes[rawDeletes.count - 1].hint = handle
        } else {
            rawDeletes.append(DeleteEntry(slot: slot, range: DeleteRange(clock: clock, length: length), hint: handle))
        }
    }

    @inline(__always)
    func changed(type: Int32, key: Int32) {
        if let last = changedList.last, last.type == type, last.key == key { return }
        changedList.append(ChangedEntry(type: type, key: key))
    }

    /// Groups and normalizes `rawDeletes` into `deletes`.
    func normalizeDeletes() {
        deletes.reset()
        if rawDeletes.count == 1 { deletes.append(rawDeletes[0]); return }
        if rawDeletes.isEmpty { return }
        let sorted = rawDeletes.elements.sorted { ($0.slot, $0.range.clock) < ($1.slot, $1.range.clock) }
        for e in sorted {
            if let last = deletes.last, last.slot == e.slot, e.range.clock <= last.range.end {
                let i = deletes.count - 1
                if e.range.end >= last.range.end {
                    deletes[i].range.length = e.range.end - last.range.clock
                    deletes[i].hint = e.hint
                }
            } else {
                deletes.append(e)
            }
        }
    }

    /// Whether the transaction deleted `clock` of `slot`.
    func deleted(slot: Int32, clock: Clock) -> Bool {
        var lo = 0, hi = deletes.count - 1
        while lo <= hi {
            let mid = (lo + hi) >> 1
            let e = deletes[mid]
            if (slot, clock) < (e.slot, e.range.clock) { hi = mid - 1 }
            else if slot > e.slot || clock >= e.range.end { lo = mid + 1 }
            else { return true }
        }
        return false
    }

    /// The normalized deletes grouped per slot.
    var deletesBySlot: [(slot: Int32, ranges: [DeleteRange])] {
        var out: [(slot: Int32, ranges: [DeleteRange])] = []
        for e in deletes.elements {
            if let l = out.last, l.slot == e.slot { out[out.count - 1].ranges.append(e.range) } else { out.append((e.slot, [e.range])) }
        }
        return out
    }

    /// type -> changed keys (-1 stands for the list part).
    var changedTypes: [Int32: Set<Int32>] {
        var out: [Int32: Set<Int32>] = [:]
        for c in changedList.elements { out[c.type, default: []].insert(c.key) }
        return out
    }
}

extension Doc {
    /// Runs `body` as one transaction: observers fire and one update is emitted at the end.
    /// Nested calls join the outer transaction.
    @discardableResult
    public func transact<R>(origin: Origin? = nil, _ body: () throws -> R) rethrows -> R {
        try transact(origin: origin, local: true, body)
    }

    func transact<R>(origin: Origin?, local: Bool, _ body: () throws -> R) rethrows -> R {
        if inTxn { return try body() }
        txnBuffer.reset(origin: origin, local: local)
        inTxn = true
        defer { commit() }
        return try body()
    }

    func commit() {
        guard inTxn else { return }
        let t = txnBuffer
        // 1. normalize the transaction's delete set
        t.normalizeDeletes()
        // 2. observers see the transaction before structs are merged
        if !textObservers.isEmpty || !mapObservers.isEmpty { fireTypeObservers(t) }
        // 3. merge deleted runs (Yjs tryMergeDeleteSet)
        for i in stride(from: t.deletes.count - 1, through: 0, by: -1) {
            let e = t.deletes[i]
            mergeDeleteRange(slot: e.slot, range: e.range, hint: e.hint)
        }
        // 4. merge new structs with their left neighbours
        for bi in 0..<t.before.count {
            let b = t.before[bi]
            let s = b.slot, before = b.clock
            let si = Int(s)
            if slots[si].state == before { continue }
            // the struct holding clock `before`: usually the first one this transaction added
            var first = b.firstAdded
            let fr = items[first]
            if fr.flags.contains(.dead) || Int(fr.slot) != si || fr.clock > before || fr.clock + fr.length <= before {
                first = find(slot: s, clock: before)
            }
            if items[first].prevInClock == noHandle { first = items[first].nextInClock } // index >= 1
            if first == noHandle { continue }
            let firstClock = items[first].clock
            var cur = slots[si].last
            while cur != noHandle && items[cur].clock >= firstClock && items[cur].prevInClock != noHandle {
                let (survivor, _) = mergeWithLefts(cur)
                cur = items[survivor].prevInClock
            }
        }
        // 5. merge items that were split during the transaction
        for mi in stride(from: t.mergeStructs.count - 1, through: 0, by: -1) {
            let m = t.mergeStructs[mi]
            let id = m.id, hint = m.handle
            guard let s = knownSlot(id.client) else { continue }
            let x = holds(hint, slot: s, clock: id.clock) ? hint : find(slot: s, clock: id.clock)
            let next = items[x].nextInClock
            if next != noHandle {
                if mergeWithLefts(next).merged > 1 { continue }
            }
            if items[x].prevInClock != noHandle { mergeWithLefts(x) }
        }
        inTxn = false
        if !t.local, let own = slotOf[clientID], t.beforeState(own) != nil {
            var next = newClientID(clientID)
            while slotOf[next] != nil { next = newClientID(next) }
            clientID = next
            localSlot = -1
        }
        #if STET_INVARIANTS
        checkInvariants()
        #endif
        // 6. update event and transaction observers
        var hasInserts = false
        for i in 0..<t.before.count where slots[Int(t.before[i].slot)].state != t.before[i].clock { hasInserts = true; break }
        guard hasInserts || !t.deletes.isEmpty else { return }
        // compute everything from the shared buffer before any observer can start a new transaction
        let u = updateObservers.isEmpty ? nil : updateFromTransaction(t)
        let info = afterTxnObservers.isEmpty ? nil : transactionInfo(t)
        let origin = t.origin
        if let u { for o in updateObservers { o.f(u, origin) } }
        if let info { for o in afterTxnObservers { o.f(info) } }
    }

    /// Whether handle `h` is a live struct of `slot` containing `clock` (a cheap check before `find`).
    @inline(__always)
    func holds(_ h: Handle, slot s: Int32, clock: Clock) -> Bool {
        let r = items[h]
        return !r.flags.contains(.dead) && r.slot == s && r.clock <= clock && clock < r.clock + r.length
    }

    /// Yjs' merge loop over one deleted range: from the item after the range's last unit
    /// leftwards while items start inside the range.
    func mergeDeleteRange(slot s: Int32, range r: DeleteRange, hint: Handle) {
        let si = Int(s)
        guard r.clock < slots[si].state else { return }
        let lastUnit = min(r.end, slots[si].state) - 1
        var cur = holds(hint, slot: s, clock: lastUnit) ? hint : find(slot: s, clock: lastUnit)
        if items[cur].nextInClock != noHandle { cur = items[cur].nextInClock }
        while cur != noHandle && items[cur].prevInClock != noHandle && items[cur].clock >= r.clock {
            let (survivor, merged) = mergeWithLefts(cur)
            if merged <= 1 {
                // the JS loop continues at index-1: the survivor's left, or the survivor itself
                cur = merged == 0 ? items[cur].prevInClock : survivor
            } else {
                // index-1 in the spliced array is the (merged-1)th struct after the survivor
                var x = survivor
                for _ in 0..<(merged - 1) {
                    x = items[x].nextInClock
                    if x == noHandle { break }
                }
                cur = x
            }
        }
    }

    func transactionInfo(_ t: TxnState) -> TransactionInfo {
        var ins: [(client: ClientID, ranges: [DeleteRange])] = []
        for b in t.before.elements where slots[Int(b.slot)].state > b.clock {
            let s = b.slot, before = b.clock
            ins.append((slots[Int(s)].id, [DeleteRange(clock: before, length: slots[Int(s)].state - before)]))
        }
        var del: [(client: ClientID, ranges: [DeleteRange])] = []
        for (s, rs) in t.deletesBySlot { del.append((slots[Int(s)].id, rs)) }
        var roots = Set<String>()
        for (ty, _) in t.changedTypes {
            var x = ty
            while types[Int(x)].item != noHandle { x = items[types[Int(x)].item].parent; if x < 0 { break } }
            if x >= 0, let n = types[Int(x)].rootName { roots.insert(n) }
        }
        return TransactionInfo(origin: t.origin, local: t.local, inserted: DeleteSet(ins).normalized(),
                               deleted: DeleteSet(del).normalized(), changedRoots: roots)
    }

    /// The update a transaction produced: new structs per changed client (from its state
    /// before), then the transaction's delete set (Yjs `writeUpdateMessageFromTransaction`).
    func updateFromTransaction(_ t: TxnState) -> Update {
        var sv = StateVector()
        var changed: [ClientID] = []
        for b in t.before.elements where slots[Int(b.slot)].state > b.clock {
            let s = b.slot, before = b.clock
            sv.clocks[slots[Int(s)].id] = before
            changed.append(slots[Int(s)].id)
        }
        var clients: [ClientStructs] = []
        for c in changed.sorted(by: >) {
            clients.append(ClientStructs(client: c, structs: structs(of: slotOf[c]!, from: sv[c])))
        }
        var ds: [(client: ClientID, ranges: [DeleteRange])] = []
        for (s, rs) in t.deletesBySlot { ds.append((slots[Int(s)].id, rs)) }
        ds.sort { $0.client > $1.client }
        return Update(clients: clients, deleteSet: DeleteSet(ds))
    }

    // MARK: - observers

    /// Calls `f` with every update this document produces or applies (v1-encodable value).
    @discardableResult
    public func onUpdate(_ f: @escaping (Update, Origin?) -> Void) -> Int {
        let id = nextObserverID; nextObserverID += 1
        updateObservers.append((id, f))
        return id
    }

    /// Calls `f` after every transaction that changed something.
    @discardableResult
    public func onAfterTransaction(_ f: @escaping (TransactionInfo) -> Void) -> Int {
        let id = nextObserverID; nextObserverID += 1
        afterTxnObservers.append((id, f))
        return id
    }

    /// Removes an observer registered with any `on…`/`observe` call.
    public func removeObserver(_ id: Int) {
        updateObservers.removeAll { $0.id == id }
        afterTxnObservers.removeAll { $0.id == id }
        for k in Array(textObservers.keys) { textObservers[k]!.removeAll { $0.id == id } }
        for k in Array(mapObservers.keys) { mapObservers[k]!.removeAll { $0.id == id } }
    }
}
