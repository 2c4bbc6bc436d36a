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

struct TxnState {
    var origin: Origin?
    var local: Bool
    var beforeState: [Int32: Clock] = [:]
    var deletes: [Int32: [DeleteRange]] = [:]
    var mergeStructs: [ID] = []
    /// type -> changed keys (-1 stands for the list part).
    var changedTypes: [Int32: Set<Int32>] = [:]

    mutating func noteBefore(slot: Int32, clock: Clock) {
        if beforeState[slot] == nil { beforeState[slot] = clock }
    }

    mutating func addDelete(slot: Int32, clock: Clock, length: Int) {
        if var rs = deletes[slot], let last = rs.last, last.end == clock {
            rs[rs.count - 1].length += length
            deletes[slot] = rs
        } else {
            deletes[slot, default: []].append(DeleteRange(clock: clock, length: length))
        }
    }

    mutating func changed(type: Int32, key: Int32) {
        changedTypes[type, default: []].insert(key)
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
        txn = TxnState(origin: origin, local: local)
        defer { commit() }
        return try body()
    }

    func commit() {
        guard var t = txn else { return }
        // 1. normalize the transaction's delete set
        for (s, rs) in t.deletes where rs.count > 1 {
            t.deletes[s] = DeleteSet.sortAndMerge(rs)
        }
        txn = t
        // 2. observers see the transaction before structs are merged
        if !textObservers.isEmpty || !mapObservers.isEmpty { fireTypeObservers(t) }
        // 3. merge deleted runs (Yjs tryMergeDeleteSet)
        for (s, rs) in t.deletes {
            for r in rs.reversed() { mergeDeleteRange(slot: s, range: r) }
        }
        // 4. merge new structs with their left neighbours
        for (s, before) in t.beforeState {
            let si = Int(s)
            if slots[si].state == before { continue }
            var first = before < slots[si].state ? find(slot: s, clock: before) : slots[si].last
            if items[Int(first)].prevInClock == noHandle { first = items[Int(first)].nextInClock } // index >= 1
            if first == noHandle { continue }
            let firstClock = items[Int(first)].clock
            var cur = slots[si].last
            while cur != noHandle && items[Int(cur)].clock >= firstClock && items[Int(cur)].prevInClock != noHandle {
                let (survivor, _) = mergeWithLefts(cur)
                cur = items[Int(survivor)].prevInClock
            }
        }
        // 5. merge items that were split during the transaction
        for id in t.mergeStructs.reversed() {
            guard let s = slotOf[id.client] else { continue }
            let x = find(slot: s, clock: id.clock)
            let next = items[Int(x)].nextInClock
            if next != noHandle {
                if mergeWithLefts(next).merged > 1 { continue }
            }
            if items[Int(x)].prevInClock != noHandle { mergeWithLefts(x) }
        }
        txn = nil
        #if STET_INVARIANTS
        checkInvariants()
        #endif
        // 6. update event and transaction observers
        let hasInserts = t.beforeState.contains { slots[Int($0.key)].state != $0.value }
        guard hasInserts || !t.deletes.isEmpty else { return }
        if !updateObservers.isEmpty {
            let u = updateFromTransaction(t)
            for o in updateObservers { o.f(u, t.origin) }
        }
        if !afterTxnObservers.isEmpty {
            let info = transactionInfo(t)
            for o in afterTxnObservers { o.f(info) }
        }
    }

    /// Yjs' merge loop over one deleted range: from the item after the range's last unit
    /// leftwards while items start inside the range.
    func mergeDeleteRange(slot s: Int32, range r: DeleteRange) {
        let si = Int(s)
        guard r.clock < slots[si].state else { return }
        let lastUnit = min(r.end, slots[si].state) - 1
        var cur = find(slot: s, clock: lastUnit)
        if items[Int(cur)].nextInClock != noHandle { cur = items[Int(cur)].nextInClock }
        while cur != noHandle && items[Int(cur)].prevInClock != noHandle && items[Int(cur)].clock >= r.clock {
            let (survivor, merged) = mergeWithLefts(cur)
            if merged <= 1 {
                // the JS loop continues at index-1: the survivor's left, or the survivor itself
                cur = merged == 0 ? items[Int(cur)].prevInClock : survivor
            } else {
                // index-1 in the spliced array is the (merged-1)th struct after the survivor
                var x = survivor
                for _ in 0..<(merged - 1) {
                    x = items[Int(x)].nextInClock
                    if x == noHandle { break }
                }
                cur = x
            }
        }
    }

    func transactionInfo(_ t: TxnState) -> TransactionInfo {
        var ins: [(client: ClientID, ranges: [DeleteRange])] = []
        for (s, before) in t.beforeState where slots[Int(s)].state > before {
            ins.append((slots[Int(s)].id, [DeleteRange(clock: before, length: slots[Int(s)].state - before)]))
        }
        var del: [(client: ClientID, ranges: [DeleteRange])] = []
        for (s, rs) in t.deletes { del.append((slots[Int(s)].id, rs)) }
        var roots = Set<String>()
        for (ty, _) in t.changedTypes {
            var x = ty
            while types[Int(x)].item != noHandle { x = items[Int(types[Int(x)].item)].parent; if x < 0 { break } }
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
        for (s, before) in t.beforeState where slots[Int(s)].state > before {
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
