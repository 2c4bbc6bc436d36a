/// Who caused a transaction. `nil` for plain local edits.
public typealias Origin = String

/// A Yjs v13 document: the block store, its shared types, transactions and pending updates.
///
/// One synchronous owner: not thread-safe, no I/O, no clock, no randomness (the client id
/// is passed in). Full history is kept: deleted content is never garbage-collected.
public final class Doc {
    public internal(set) var clientID: ClientID

    var items = RecordBuffer<ItemRec>()
    var slots = RecordBuffer<ClientSlot>()
    var slotOf: [ClientID: Int32] = [:]
    var types = RecordBuffer<TypeRec>()
    var roots: [String: Int32] = [:]
    var keys: [String] = []
    var keyIndex: [String: Int32] = [:]
    var payloads: [Payload] = []
    var freeHandles: [Handle] = []
    /// Scratch UTF-16 buffer of the fast load path.
    var loadUnits: [UInt16] = []
    /// Undo/redo: item -> ID of the copy that re-created its content (Yjs `item.redone`).
    var redone: [Handle: ID] = [:]

    /// Structs waiting for missing dependencies (a v1-free value), and the clocks they wait for.
    var pendingStructs: Update?
    var pendingMissing: [ClientID: Clock] = [:]
    /// Delete ranges on clocks not yet known.
    var pendingDeletes: DeleteSet?

    /// Whether a transaction is running; its bookkeeping is `txnBuffer` (reused).
    var inTxn = false
    let txnBuffer = TxnState()
    var localSlot: Int32 = -1
    var lookupClient: ClientID = noClient
    var lookupSlot: Int32 = -1
    var updateObservers: [(id: Int, f: (Update, Origin?) -> Void)] = []
    var afterTxnObservers: [(id: Int, f: (TransactionInfo) -> Void)] = []
    var textObservers: [Int32: [(id: Int, f: (TextEvent) -> Void)]] = [:]
    var mapObservers: [Int32: [(id: Int, f: (Set<String>) -> Void)]] = [:]
    var nextObserverID = 1

    /// Creates an empty document. `clientID` must be a fresh random uint32 per session
    /// unless the document's state was persisted with it.
    public init(clientID: ClientID) {
        self.clientID = clientID
    }

    deinit {
        items.free()
        slots.free()
        types.free()
    }

    /// Where a new client id comes from when a remote update contains structs under this
    /// document's own id (Yjs then switches ids so that clocks never collide). Callers pass a
    /// random source; the default derives the next id deterministically from the old one.
    public var newClientID: (ClientID) -> ClientID = { old in
        var z = old &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return (z ^ (z >> 31)) & 0xFFFF_FFFF
    }

    // MARK: - slots, keys, payloads

    func slot(for client: ClientID) -> Int32 {
        if client == clientID && localSlot >= 0 { return localSlot }
        if let s = slotOf[client] {
            if client == clientID { localSlot = s }
            return s
        }
        let s = Int32(slots.count)
        slots.append(ClientSlot(id: client))
        slotOf[client] = s
        return s
    }

    func intern(_ key: String) -> Int32 {
        if let k = keyIndex[key] { return k }
        let k = Int32(keys.count)
        keys.append(key)
        keyIndex[key] = k
        return k
    }

    /// The slot of a known client, with a one-entry cache (updates come in runs per client).
    @inline(__always)
    func knownSlot(_ client: ClientID) -> Int32? {
        if client == lookupClient { return lookupSlot }
        guard let s = slotOf[client] else { return nil }
        lookupClient = client
        lookupSlot = s
        return s
    }

    /// The state of `client`: the next clock this document expects from it.
    public func state(of client: ClientID) -> Clock {
        guard let s = knownSlot(client) else { return 0 }
        return slots[Int(s)].state
    }

    /// The document's state vector.
    public var stateVector: StateVector {
        var sv = StateVector()
        for s in slots where s.state > 0 { sv.clocks[s.id] = s.state }
        return sv
    }

    /// Whether structs or deletes are waiting for updates that have not arrived.
    public var hasPending: Bool { pendingStructs != nil || pendingDeletes != nil }

    /// The clocks pending structs wait for (client -> first missing clock).
    public var missingClocks: [ClientID: Clock] { pendingMissing }

    // MARK: - types

    func rootType(_ name: String, kind: TypeKind) -> Int32 {
        if let t = roots[name] {
            if types[Int(t)].kind == .unknown && kind != .unknown { types[Int(t)].kind = kind }
            return t
        }
        let t = Int32(types.count)
        types.append(TypeRec(kind: kind, rootName: name))
        roots[name] = t
        return t
    }

    // MARK: - item records

    func newRecord(_ r: ItemRec) -> Handle {
        if let h = freeHandles.popLast() {
            items[h] = r
            return h
        }
        return items.append(r)
    }

    /// Finds the item of `slot` containing `clock` (which must be below the slot's state).
    /// - Complexity: O(log n) plus a walk over the split parts of one indexed item
    ///   (bounded: long walks add the found item to the index).
    func find(slot s: Int32, clock: Clock) -> Handle {
        let si = Int(s)
        // the newest struct is the most frequent target (origins of incoming structs)
        let last = slots[si].last
        if last != noHandle && items[last].clock <= clock { return last }
        let idx = slots[si].index
        var lo = 0, hi = idx.count - 1
        var start = slots[si].first
        // last index entry with clock <= target
        while lo <= hi {
            let mid = (lo + hi) >> 1
            let h = idx[mid]
            if items[h].clock <= clock { start = h; lo = mid + 1 } else { hi = mid - 1 }
        }
        var h = start
        var steps = 0
        while items[h].clock + items[h].length <= clock {
            h = items[h].nextInClock
            steps += 1
        }
        if steps > 24 { indexInsert(slot: s, h) }
        return h
    }

    func find(_ id: ID) -> Handle {
        find(slot: knownSlot(id.client)!, clock: id.clock)
    }

    func indexInsert(slot s: Int32, _ h: Handle) {
        let si = Int(s)
        let c = items[h].clock
        var lo = 0, hi = slots[si].index.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if items[slots[si].index[mid]].clock < c { lo = mid + 1 } else { hi = mid }
        }
        if lo < slots[si].index.count && slots[si].index[lo] == h { return }
        slots[si].index.insert(h, at: lo)
        items[h].flags.insert(.indexed)
    }

    func indexRemove(slot s: Int32, _ h: Handle) {
        guard items[h].flags.contains(.indexed) else { return }
        items[h].flags.remove(.indexed)
        let si = Int(s)
        let c = items[h].clock
        if let l = slots[si].index.last, l == h { slots[si].index.removeLast(); return }
        var lo = 0, hi = slots[si].index.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if items[slots[si].index[mid]].clock < c { lo = mid + 1 } else { hi = mid }
        }
        if lo < slots[si].index.count && slots[si].index[lo] == h { slots[si].index.remove(at: lo) }
    }

    /// Appends a struct at the end of its client's clock chain (clocks must be contiguous).
    func addStruct(_ h: Handle) {
        let r = items[h]
        let si = Int(r.slot)
        precondition(r.clock == slots[si].state, "non-contiguous clock")
        if inTxn { txnBuffer.noteBefore(slot: r.slot, clock: slots[si].state, handle: h) }
        let last = slots[si].last
        items[h].prevInClock = last
        items[h].nextInClock = noHandle
        if last != noHandle { items[last].nextInClock = h } else { slots[si].first = h }
        slots[si].last = h
        slots[si].state = r.clock + r.length
        slots[si].index.append(h)
        items[h].flags.insert(.indexed)
    }

    /// Splits item `h` so that it keeps its first `diff` units; returns the new right part.
    /// Follows Yjs `splitItem`: the right part's origin is the left part's last unit; the
    /// left part keeps its right origin; a surrogate pair cut in two becomes U+FFFD twice.
    @discardableResult
    func split(_ h: Handle, at diff: Int) -> Handle {
        var l = items[h]
        precondition(diff > 0 && diff < l.length, "split outside item")
        var r = l
        r.clock = l.clock + diff
        r.length = l.length - diff
        r.originClient = l.client
        r.originClock = l.clock + diff - 1
        r.left = h
        r.prevInClock = h
        r.flags.remove(.indexed)
        switch l.kind {
        case .string:
            let si = Int(l.slot)
            let cut = l.contentStart + diff
            r.contentStart = cut
            if UTF16.isLeadSurrogate(slots[si].units[cut - 1]) {
                slots[si].units[cut - 1] = 0xFFFD
                if UTF16.isTrailSurrogate(slots[si].units[cut]) { slots[si].units[cut] = 0xFFFD }
            }
        case .json:
            if case .json(let xs) = payloads[Int(l.payload)] {
                payloads[Int(l.payload)] = .json(Array(xs[..<diff]))
                payloads.append(.json(Array(xs[diff...])))
                r.payload = Int32(payloads.count - 1)
            }
        case .any:
            if case .any(let xs) = payloads[Int(l.payload)] {
                payloads[Int(l.payload)] = .any(Array(xs[..<diff]))
                payloads.append(.any(Array(xs[diff...])))
                r.payload = Int32(payloads.count - 1)
            }
        default: break
        }
        l.length = diff
        let rh = newRecord(r)
        if l.flags.contains(.redone), let copy = redone[h] { redone[rh] = ID(client: copy.client, clock: copy.clock + diff) }
        l.right = rh
        l.nextInClock = rh
        items[h] = l
        if r.right != noHandle { items[r.right].left = rh }
        if r.nextInClock != noHandle { items[r.nextInClock].prevInClock = rh } else { slots[Int(l.slot)].last = rh }
        if r.parentSub >= 0 && r.right == noHandle && r.parent >= 0 {
            types[Int(r.parent)].map[r.parentSub] = rh
        }
        if inTxn { txnBuffer.mergeStructs.append(MergeEntry(id: r.id, handle: rh)) }
        return rh
    }

    /// The item ending exactly at `id` (splits if needed).
    func cleanEnd(_ id: ID) -> Handle {
        let h = find(id)
        let r = items[h]
        if id.clock != r.clock + r.length - 1 && r.kind != .gc {
            split(h, at: id.clock - r.clock + 1)
        }
        return h
    }

    /// The item starting exactly at `id` (splits if needed).
    func cleanStart(_ id: ID) -> Handle {
        let h = find(id)
        let r = items[h]
        if r.clock < id.clock && r.kind != .gc {
            return split(h, at: id.clock - r.clock)
        }
        return h
    }

    // MARK: - deletion

    /// Marks `h` deleted (Yjs `Item.delete`), records it in the transaction, and deletes the
    /// children of a deleted type.
    func deleteItem(_ h: Handle) {
        let r = items[h]
        if r.isDeleted || r.kind == .gc { return }
        if r.parentSub < 0 && r.isCountable && r.parent >= 0 {
            types[Int(r.parent)].length -= r.length
        }
        if r.parent >= 0 { types[Int(r.parent)].cacheItem = noHandle }
        items[h].flags.insert(.deleted)
        txnBuffer.addDelete(slot: r.slot, clock: r.clock, length: r.length, handle: h)
        if r.parent >= 0 { txnBuffer.changed(type: r.parent, key: r.parentSub) }
        if r.kind == .type {
            let t = Int(r.payload)
            var c = types[t].start
            while c != noHandle {
                if !items[c].isDeleted { deleteItem(c) }
                c = items[c].right
            }
            for (_, v) in types[t].map {
                var x = v
                while x != noHandle {
                    if !items[x].isDeleted { deleteItem(x) }
                    x = items[x].left
                }
            }
        }
    }

    // MARK: - merging (Yjs tryToMergeWithLefts)

    /// Whether `l` can absorb `r` (Yjs `Item.mergeWith` / `GC.mergeWith`).
    func canMerge(_ lh: Handle, _ rh: Handle) -> Bool {
        // read fields through pointers: copying two whole records costs more than the test
        let l = items.base + Int(lh), r = items.base + Int(rh)
        let lk = l.pointee.kind, rk = r.pointee.kind
        if lk == .gc || rk == .gc { return lk == .gc && rk == .gc }
        guard lk == rk, l.pointee.isDeleted == r.pointee.isDeleted else { return false }
        switch lk {
        case .string: guard l.pointee.contentStart + l.pointee.length == r.pointee.contentStart else { return false }
        case .deleted, .json, .any: break
        default: return false
        }
        let lEnd = l.pointee.clock + l.pointee.length
        return l.pointee.right == rh
            && lEnd == r.pointee.clock
            && r.pointee.originClient == l.pointee.client && r.pointee.originClock == lEnd - 1
            && l.pointee.rightOriginClient == r.pointee.rightOriginClient
            && (l.pointee.rightOriginClient == noClient || l.pointee.rightOriginClock == r.pointee.rightOriginClock)
            && l.pointee.client == r.pointee.client
            && !l.pointee.flags.contains(.redone) && !r.pointee.flags.contains(.redone)
    }

    /// Merges `r` into its clock predecessor `l` (which must satisfy `canMerge`).
    func absorb(_ lh: Handle, _ rh: Handle) {
        let r = items[rh]
        let leftVisibleBefore = items[lh].visibleLength
        switch r.kind {
        case .json:
            if case .json(let a) = payloads[Int(items[lh].payload)], case .json(let b) = payloads[Int(r.payload)] {
                payloads[Int(items[lh].payload)] = .json(a + b)
            }
        case .any:
            if case .any(let a) = payloads[Int(items[lh].payload)], case .any(let b) = payloads[Int(r.payload)] {
                payloads[Int(items[lh].payload)] = .any(a + b)
            }
        default: break
        }
        if r.flags.contains(.keep) { items[lh].flags.insert(.keep) }
        items[lh].length += r.length
        if r.kind != .gc {
            items[lh].right = r.right
            if r.right != noHandle { items[r.right].left = lh }
        }
        items[lh].nextInClock = r.nextInClock
        if r.nextInClock != noHandle { items[r.nextInClock].prevInClock = lh } else { slots[Int(r.slot)].last = lh }
        if r.parentSub >= 0 && r.parent >= 0 && types[Int(r.parent)].map[r.parentSub] == rh {
            types[Int(r.parent)].map[r.parentSub] = lh
        }
        if r.parent >= 0 && types[Int(r.parent)].cacheItem == rh {
            types[Int(r.parent)].cacheItem = lh
            types[Int(r.parent)].cacheIndex -= leftVisibleBefore
        }
        indexRemove(slot: r.slot, rh)
        items[rh].flags = .dead
        items[rh].kind = .gc
        freeHandles.append(rh)
    }

    /// Yjs `tryToMergeWithLefts`: merges `h` into its clock predecessors while possible.
    /// Returns the surviving handle and how many structs were merged away.
    @discardableResult
    func mergeWithLefts(_ h: Handle) -> (survivor: Handle, merged: Int) {
        var right = h
        var merged = 0
        while true {
            let left = items[right].prevInClock
            if left == noHandle { break }
            if canMerge(left, right) {
                absorb(left, right)
                merged += 1
                right = left
            } else {
                break
            }
        }
        return (right, merged)
    }
}
