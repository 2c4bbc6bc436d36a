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

/// The bookkeeping of the running transaction. One instance per document is reused, so a
/// keystroke's transaction allocates nothing once the buffers have grown.
final class TxnState {
    var origin: Origin?
    var local = true
    /// Clients whose state changed, with their clock before the transaction.
    var before: [(slot: Int32, clock: Clock)] = []
    /// The first struct each changed client added (for the merge pass; may have died).
    var firstAdded: [Handle] = []
    /// Deleted ranges in the order they happened.
    var rawDeletes: [(slot: Int32, range: DeleteRange)] = []
    /// Per slot, sorted and merged (filled at commit).
    var deletes: [(slot: Int32, ranges: [DeleteRange])] = []
    var mergeStructs: [(id: ID, handle: Handle)] = []
    var changedList: [(type: Int32, key: Int32)] = []

    func reset(origin: Origin?, local: Bool) {
        self.origin = origin
        self.local = local
        if !before.isEmpty { before.removeAll(keepingCapacity: true); firstAdded.removeAll(keepingCapacity: true) }
        if !rawDeletes.isEmpty { rawDeletes.removeAll(keepingCapacity: true) }
        if !deletes.isEmpty { deletes.removeAll(keepingCapacity: true) }
        if !mergeStructs.isEmpty { mergeStructs.removeAll(keepingCapacity: true) }
        if !changedList.isEmpty { changedList.removeAll(keepingCapacity: true) }
    }

    func noteBefore(slot: Int32, clock: Clock, handle: Handle) {
        for b in before where b.slot == slot { return }
        before.append((slot, clock))
        firstAdded.append(handle)
    }

    func beforeState(_ slot: Int32) -> Clock? {
        for b in before where b.slot == slot { return b.clock }
        return nil
    }

    func addDelete(slot: Int32, clock: Clock, length: Int) {
        if let last = rawDeletes.last, last.slot == slot, last.range.end == clock {
            rawDeletes[rawDeletes.count - 1].range.length += length
        } else {
            rawDeletes.append((slot, DeleteRange(clock: clock, length: length)))
        }
    }

    func changed(type: Int32, key: Int32) {
        if let last = changedList.last, last.type == type, last.key == key { return }
        changedList.append((type, key))
    }

    /// Groups and normalizes `rawDeletes` into `deletes`.
    func normalizeDeletes() {
        deletes.removeAll(keepingCapacity: true)
        if rawDeletes.isEmpty { return }
        if rawDeletes.allSatisfy({ $0.slot == rawDeletes[0].slot }) {
            let rs = rawDeletes.map { $0.range }
            deletes.append((rawDeletes[0].slot, rs.count > 1 ? DeleteSet.sortAndMerge(rs) : rs))
            return
        }
        var by: [Int32: [DeleteRange]] = [:]
        for d in rawDeletes { by[d.slot, default: []].append(d.range) }
        for (s, rs) in by { deletes.append((s, DeleteSet.sortAndMerge(rs))) }
    }

    func deletes(for slot: Int32) -> [DeleteRange]? {
        for d in deletes where d.slot == slot { return d.ranges }
        return nil
    }

    /// type -> changed keys (-1 stands for the list part).
    var changedTypes: [Int32: Set<Int32>] {
        var out: [Int32: Set<Int32>] = [:]
        for c in changedList { out[c.type, default: []].insert(c.key) }
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
        if txn != nil { return try body() }
        txnBuffer.reset(origin: origin, local: local)
        txn = txnBuffer
        defer { commit() }
        return try body()
    }

    func commit() {
        guard let t = txn else { return }
        // 1. normalize the transaction's delete set
        t.normalizeDeletes()
        // 2. observers see the transaction before structs are merged
        if !textObservers.isEmpty || !mapObservers.isEmpty { fireTypeObservers(t) }
        // 3. merge deleted runs (Yjs tryMergeDeleteSet)
        for (s, rs) in t.deletes {
            for r in rs.reversed() { mergeDeleteRange(slot: s, range: r) }
        }
        // 4. merge new structs with their left neighbours
        for (bi, (s, before)) in t.before.enumerated() {
            let si = Int(s)
            if slots[si].state == before { continue }
            // the struct holding clock `before`: usually the first one this transaction added
            var first = t.firstAdded[bi]
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
        for (id, hint) in t.mergeStructs.reversed() {
            guard let s = slotOf[id.client] else { continue }
            let x = holds(hint, slot: s, clock: id.clock) ? hint : find(slot: s, clock: id.clock)
            let next = items[x].nextInClock
            if next != noHandle {
                if mergeWithLefts(next).merged > 1 { continue }
            }
            if items[x].prevInClock != noHandle { mergeWithLefts(x) }
        }
        txn = nil
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
        let hasInserts = t.before.contains { slots[Int($0.slot)].state != $0.clock }
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
    func mergeDeleteRange(slot s: Int32, range r: DeleteRange) {
        let si = Int(s)
        guard r.clock < slots[si].state else { return }
        let lastUnit = min(r.end, slots[si].state) - 1
        var cur = find(slot: s, clock: lastUnit)
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
        for (s, before) in t.before where slots[Int(s)].state > before {
            ins.append((slots[Int(s)].id, [DeleteRange(clock: before, length: slots[Int(s)].state - before)]))
        }
        var del: [(client: ClientID, ranges: [DeleteRange])] = []
        for (s, rs) in t.deletes { del.append((slots[Int(s)].id, rs)) }
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
        for (s, before) in t.before where slots[Int(s)].state > before {
            sv.clocks[slots[Int(s)].id] = before
            changed.append(slots[Int(s)].id)
        }
        var clients: [ClientStructs] = []
        for c in changed.sorted(by: >) {
            clients.append(ClientStructs(client: c, structs: structs(of: slotOf[c]!, from: sv[c])))
        }
        var ds: [(client: ClientID, ranges: [DeleteRange])] = []
        for (s, rs) in t.deletes { ds.append((slots[Int(s)].id, rs)) }
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
