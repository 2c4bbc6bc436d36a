/// A struct of an incoming update while it is being integrated.
struct IncomingItem {
    var client: ClientID
    var clock: Clock
    var length: Int
    var origin: ID?
    var rightOrigin: ID?
    var parentRef: ParentRef?
    var parentSub: String?
    var hasParentSub: Bool
    var content: ItemContent
    var isGC: Bool
    // resolved by getMissing
    var left: Handle = noHandle
    var right: Handle = noHandle
    var parent: Int32 = -1
    var parentResolved = false
    /// Fast load path: string content already transcoded into `Doc.loadUnits` (then `content`
    /// is only a placeholder).
    var stringUnits: Range<Int>? = nil

    init(client: ClientID, _ s: UpdateStruct) {
        self.client = client
        switch s {
        case .item(let it):
            clock = it.clock; length = it.length; origin = it.origin; rightOrigin = it.rightOrigin
            parentRef = it.parent; parentSub = it.parentSub; hasParentSub = it.hasParentSub
            content = it.content; isGC = false
        case .gc(let c, let n), .skip(let c, let n):
            clock = c; length = n; origin = nil; rightOrigin = nil; parentRef = nil; parentSub = nil
            hasParentSub = false; content = .deleted(n); isGC = true
        }
    }
}

/// An update could not be applied: the error names what was wrong.
public struct ApplyError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

extension Doc {
    /// Applies a v1 update. Throws (and changes nothing) if the bytes are malformed.
    public func applyUpdate(_ bytes: [UInt8], origin: Origin? = nil) throws {
        if pendingStructs == nil && pendingDeletes == nil, let fast = try FastLoad.decode(bytes, into: &loadUnits) {
            transact(origin: origin, local: false) { applyFast(fast, bytes) }
            loadUnits = []
            return
        }
        apply(try UpdateV1.decode(bytes), origin: origin)
    }

    /// Integrates a pre-decoded update in wire order — exactly Yjs's order while no struct
    /// waits for another — and hands the rest to the general algorithm at the first struct
    /// that would.
    func applyFast(_ f: FastLoad, _ bytes: [UInt8]) {
        for r in f.records {
            if state(of: r.client) != r.clock {
                applyInTransaction((try? UpdateV1.decode(bytes)) ?? Update())
                return
            }
            var x = IncomingItem(client: r.client, r)
            if x.isGC {
                integrate(&x, offset: 0)
                continue
            }
            if getMissing(&x) != nil {
                applyInTransaction((try? UpdateV1.decode(bytes)) ?? Update())
                return
            }
            integrate(&x, offset: 0)
        }
        pendingDeletes = applyDeleteSet(f.deleteSet)
    }

    /// Applies a decoded update (Yjs `applyUpdate`): integrates what it can, keeps the rest
    /// pending until the missing updates arrive, and retries pending data when they do.
    public func apply(_ update: Update, origin: Origin? = nil) {
        transact(origin: origin, local: false) {
            applyInTransaction(update)
        }
    }

    func applyInTransaction(_ update: Update) {
        var retry = false
        let rest = integrateStructs(update)
        if let pending = pendingStructs {
            for (c, clock) in pendingMissing where clock < state(of: c) { retry = true; break }
            if let (restUpdate, missing) = rest {
                for (c, clock) in missing {
                    if let m = pendingMissing[c], m <= clock { continue }
                    pendingMissing[c] = clock
                }
                pendingStructs = Update.mergeForPending([pending, restUpdate])
            }
        } else if let (restUpdate, missing) = rest {
            pendingStructs = restUpdate
            pendingMissing = missing
        }
        let dsRest = applyDeleteSet(update.deleteSet)
        if let pds = pendingDeletes {
            let dsRest2 = applyDeleteSet(pds)
            if let a = dsRest, let b = dsRest2 {
                pendingDeletes = DeleteSet.merged([a, b])
            } else {
                pendingDeletes = dsRest ?? dsRest2
            }
        } else {
            pendingDeletes = dsRest
        }
        if retry, let p = pendingStructs {
            pendingStructs = nil
            pendingMissing = [:]
            applyInTransaction(Update(clients: p.clients, deleteSet: DeleteSet()))
        }
    }

    /// Yjs `integrateStructs`: integrates structs client by client (highest id first),
    /// following missing dependencies inside the same update with a stack.
    func integrateStructs(_ update: Update) -> (Update, [ClientID: Clock])? {
        // per client: the structs and a read position; the last section per client wins
        struct Queue { var client: ClientID; var structs: [UpdateStruct]; var i = 0; var live = true }
        var queues: [Queue] = []
        var queueOf: [ClientID: Int] = [:]
        for cs in update.clients {
            if let q = queueOf[cs.client] { queues[q].structs = cs.structs } else {
                queueOf[cs.client] = queues.count
                queues.append(Queue(client: cs.client, structs: cs.structs))
            }
        }
        // processing order: highest client id first (a stack of queue indices, lowest at the bottom)
        var order = queues.indices.sorted { queues[$0].client < queues[$1].client }
        if order.isEmpty { return nil }

        func hasNext(_ q: Int) -> Bool { queues[q].live && queues[q].i < queues[q].structs.count }
        func nextTarget() -> Int? {
            while let q = order.last {
                if hasNext(q) { return q }
                order.removeLast()
            }
            return nil
        }
        func take(_ q: Int) -> (IncomingItem, Bool) {
            let i = queues[q].i
            queues[q].i = i + 1
            let st = queues[q].structs[i]
            return (IncomingItem(client: queues[q].client, st), st.isSkip)
        }

        guard var cur = nextTarget() else { return nil }
        var restClients: [ClientID: [UpdateStruct]] = [:]
        var missingSV: [ClientID: Clock] = [:]
        func updateMissing(_ c: ClientID, _ clock: Clock) {
            if let m = missingSV[c], m <= clock { return }
            missingSV[c] = clock
        }
        var stack: [(IncomingItem, Bool)] = []   // (struct, wasSkip)

        func addStackToRest() {
            for (item, _) in stack {
                let c = item.client
                if let q = queueOf[c], queues[q].live {
                    let i = queues[q].i - 1
                    restClients[c] = Array(queues[q].structs[i...])
                    queues[q].live = false
                    queues[q].structs = []
                } else {
                    restClients[c] = [toUpdateStruct(item)]
                }
                order.removeAll { queues[$0].client == c }
            }
            stack.removeAll()
        }

        var (head, headSkip) = take(cur)
        while true {
            if !headSkip && head.length > 0 {
                let offset = state(of: head.client) - head.clock
                if offset < 0 {
                    stack.append((head, false))
                    updateMissing(head.client, head.clock - 1)
                    addStackToRest()
                } else if let missing = getMissing(&head) {
                    stack.append((head, false))
                    if let q = queueOf[missing], hasNext(q) {
                        (head, headSkip) = take(q)
                        continue
                    } else {
                        updateMissing(missing, state(of: missing))
                        addStackToRest()
                    }
                } else if offset == 0 || offset < head.length {
                    integrate(&head, offset: offset)
                }
            }
            if let (h, s) = stack.popLast() {
                head = h; headSkip = s
            } else if hasNext(cur) {
                (head, headSkip) = take(cur)
            } else if let n = nextTarget() {
                cur = n
                (head, headSkip) = take(cur)
            } else {
                break
            }
        }
        if restClients.isEmpty { return nil }
        let clients = restClients.keys.sorted(by: >).map { ClientStructs(client: $0, structs: restClients[$0]!) }
        return (Update(clients: clients, deleteSet: DeleteSet()), missingSV)
    }

    func toUpdateStruct(_ x: IncomingItem) -> UpdateStruct {
        if x.isGC { return .gc(clock: x.clock, length: x.length) }
        return .item(UpdateItem(clock: x.clock, origin: x.origin, rightOrigin: x.rightOrigin, parent: x.parentRef,
                                parentSub: x.parentSub, hasParentSub: x.hasParentSub, content: x.content))
    }

    /// Yjs `Item.getMissing`: returns a client whose data is missing, or resolves the
    /// neighbours (splitting at the origins) and the parent.
    func getMissing(_ x: inout IncomingItem) -> ClientID? {
        if x.isGC { return nil }
        // Yjs checks only other clients here (valid structs never point at their own future);
        // hostile ones can, so own-client references are checked too and then stay pending.
        if let o = x.origin, o.clock >= state(of: o.client) { return o.client }
        if let o = x.rightOrigin, o.clock >= state(of: o.client) { return o.client }
        if case .item(let p)? = x.parentRef, p.clock >= state(of: p.client) { return p.client }
        if let o = x.origin {
            x.left = cleanEnd(o)
            x.origin = items[x.left].lastID
        }
        if let o = x.rightOrigin {
            x.right = cleanStart(o)
            x.rightOrigin = items[x.right].id
        }
        let leftIsGC = x.left != noHandle && items[x.left].kind == .gc
        let rightIsGC = x.right != noHandle && items[x.right].kind == .gc
        x.parentResolved = true
        if leftIsGC || rightIsGC {
            x.parent = -1
        } else if x.parentRef == nil {
            if x.left != noHandle {
                x.parent = items[x.left].parent
                let ps = items[x.left].parentSub
                x.parentSub = ps >= 0 ? keys[Int(ps)] : nil
            } else if x.right != noHandle {
                x.parent = items[x.right].parent
                let ps = items[x.right].parentSub
                x.parentSub = ps >= 0 ? keys[Int(ps)] : nil
            } else {
                x.parent = -1
            }
        } else {
            switch x.parentRef! {
            case .root(let name):
                x.parent = rootType(name, kind: .unknown)
            case .item(let pid):
                let ph = find(pid)
                let pr = items[ph]
                x.parent = (pr.kind == .type) ? pr.payload : -1
            }
        }
        return nil
    }

    /// Yjs `Item.integrate` (YATA) for a remote struct.
    func integrate(_ x: inout IncomingItem, offset: Int) {
        if offset > 0 {
            x.clock += offset
            x.left = cleanEnd(ID(client: x.client, clock: x.clock - 1))
            x.origin = items[x.left].lastID
            x.content = x.content.sliced(from: offset)
            x.length -= offset
        }
        let s = slot(for: x.client)
        if x.isGC || x.parent < 0 {
            let h = newRecord(ItemRec(client: x.client, clock: x.clock, length: x.length, slot: s, kind: .gc, flags: .deleted))
            addStruct(h)
            return
        }
        let parent = x.parent
        let subKey: Int32 = x.parentSub.map { intern($0) } ?? -1
        var left = x.left
        let right = x.right
        // Hostile structs can name neighbours in another type (or map key) than their parent;
        // linking them would corrupt both lists. Keep the clocks, drop the content (as GC).
        if (left != noHandle && (items[left].parent != parent || items[left].parentSub != subKey))
            || (right != noHandle && (items[right].parent != parent || items[right].parentSub != subKey)) {
            let h = newRecord(ItemRec(client: x.client, clock: x.clock, length: x.length, slot: s, kind: .gc, flags: .deleted))
            addStruct(h)
            return
        }
        // conflict resolution
        let needsScan: Bool
        if left == noHandle {
            needsScan = right == noHandle || items[right].left != noHandle
        } else {
            needsScan = items[left].right != right
        }
        if needsScan {
            var o: Handle
            if left != noHandle {
                o = items[left].right
            } else if subKey >= 0 {
                o = types[Int(parent)].map[subKey] ?? noHandle
                while o != noHandle && items[o].left != noHandle { o = items[o].left }
            } else {
                o = types[Int(parent)].start
            }
            var conflicting = Set<Handle>()
            var beforeOrigin = Set<Handle>()
            while o != noHandle && o != right {
                beforeOrigin.insert(o)
                conflicting.insert(o)
                let or = items[o]
                if or.origin == x.origin {
                    if or.client < x.client {
                        left = o
                        conflicting.removeAll()
                    } else if or.rightOrigin == x.rightOrigin {
                        break
                    }
                } else if let oo = or.origin, let oh = knownSlot(oo.client).map({ find(slot: $0, clock: oo.clock) }), beforeOrigin.contains(oh) {
                    if !conflicting.contains(oh) {
                        left = o
                        conflicting.removeAll()
                    }
                } else {
                    break
                }
                o = items[o].right
            }
        }
        // content
        let isString = x.stringUnits != nil
        var rec = ItemRec(client: x.client, clock: x.clock, length: x.length, slot: s, kind: isString ? .string : Kind(rawValue: x.content.ref)!, flags: [])
        if isString || x.content.isCountable { rec.flags.insert(.countable) }
        if let o = x.origin { rec.originClient = o.client; rec.originClock = o.clock }
        if let o = x.rightOrigin { rec.rightOriginClient = o.client; rec.rightOriginClock = o.clock }
        rec.parent = parent
        rec.parentSub = subKey
        if let r = x.stringUnits {
            rec.contentStart = slots[Int(s)].units.count
            slots[Int(s)].units.append(contentsOf: loadUnits[r])
        } else {
            storeContent(x.content, into: &rec)
        }
        let h = newRecord(rec)
        if rec.kind == .type { types[Int(rec.payload)].item = h }
        link(h, parent: parent, subKey: subKey, left: left)
        if subKey < 0 && rec.isCountable {
            types[Int(parent)].length += rec.length
        }
        addStruct(h)
        if !isString, case .deleted = x.content {
            items[h].flags.insert(.deleted)
            txnBuffer.addDelete(slot: s, clock: rec.clock, length: rec.length, handle: h)
        }
        txnBuffer.changed(type: parent, key: subKey)
        types[Int(parent)].cacheItem = noHandle
        let pItem = types[Int(parent)].item
        if (pItem != noHandle && items[pItem].isDeleted) || (subKey >= 0 && items[h].right != noHandle) {
            deleteItem(h)
        }
    }

    /// Puts `h` into its parent's list after `left` (or first), maintaining a map key's current value.
    func link(_ h: Handle, parent: Int32, subKey: Int32, left: Handle) {
        var right: Handle
        if left != noHandle {
            right = items[left].right
            items[left].right = h
        } else if subKey >= 0 {
            right = types[Int(parent)].map[subKey] ?? noHandle
            while right != noHandle && items[right].left != noHandle { right = items[right].left }
        } else {
            right = types[Int(parent)].start
            types[Int(parent)].start = h
        }
        items[h].left = left
        items[h].right = right
        if right != noHandle {
            items[right].left = h
        } else if subKey >= 0 {
            types[Int(parent)].map[subKey] = h
            if left != noHandle { deleteItem(left) }
        }
    }

    /// Stores item content: strings into the client's UTF-16 arena, the rest as payloads.
    func storeContent(_ c: ItemContent, into rec: inout ItemRec) {
        let si = Int(rec.slot)
        switch c {
        case .string(let str):
            rec.contentStart = slots[si].units.count
            appendUTF16(str, to: si)
            return
        case .json(let xs): payloads.append(.json(xs))
        case .any(let xs): payloads.append(.any(xs))
        case .binary(let b): payloads.append(.binary(b))
        case .embed(let e): payloads.append(.embed(e))
        case .format(let k, let v):
            payloads.append(.format(key: k, value: v))
            if rec.parent >= 0 { types[Int(rec.parent)].hasFormatting = true }
        case .doc(let g, let o): payloads.append(.doc(guid: g, opts: o))
        case .type(let ref):
            let kind: TypeKind
            switch ref {
            case .text: kind = .text
            case .map: kind = .map
            case .array: kind = .array
            default: kind = .xml(ref)
            }
            var tr = TypeRec(kind: kind, rootName: nil)
            tr.item = noHandle // set after the record exists
            types.append(tr)
            rec.payload = Int32(types.count - 1)
            return
        case .deleted:
            return
        }
        rec.payload = Int32(payloads.count - 1)
    }

    /// Appends a string's UTF-16 units to a client's arena (ASCII without transcoding).
    @inline(__always)
    func appendUTF16(_ s: String, to si: Int) {
        let n8 = s.utf8.count
        if n8 == 1, let b = s.utf8.first {
            slots[si].units.append(UInt16(b))   // one ASCII character: the typing case
            return
        }
        // widen in place: grow the arena once, then write the units directly
        var str = s
        str.withUTF8 { buf in
            let start = slots[si].units.count
            let n16 = UTF16Transcoding.utf16Count(validUTF8: buf)
            slots[si].units.append(contentsOf: repeatElement(0, count: n16))
            slots[si].units.withUnsafeMutableBufferPointer { dst in
                UTF16Transcoding.write(validUTF8: buf, to: dst.baseAddress! + start)
            }
        }
    }

    /// Applies a delete set; returns the part on clocks this document does not know yet.
    func applyDeleteSet(_ ds: DeleteSet) -> DeleteSet? {
        var unapplied: [(client: ClientID, ranges: [DeleteRange])] = []
        for (client, ranges) in ds.clients {
            let st = state(of: client)
            var un: [DeleteRange] = []
            for r in ranges {
                let end = r.end
                if r.clock < st {
                    if st < end { un.append(DeleteRange(clock: st, length: end - st)) }
                    let s = knownSlot(client)!
                    var h = find(slot: s, clock: r.clock)
                    if !items[h].isDeleted && items[h].clock < r.clock {
                        h = split(h, at: r.clock - items[h].clock)
                    }
                    while h != noHandle {
                        let it = items[h]
                        guard it.clock < end else { break }
                        if !it.isDeleted {
                            if end < it.clock + it.length { split(h, at: end - it.clock) }
                            deleteItem(h)
                        }
                        h = items[h].nextInClock
                    }
                } else {
                    un.append(r)
                }
            }
            if !un.isEmpty { unapplied.append((client, un)) }
        }
        return unapplied.isEmpty ? nil : DeleteSet(unapplied)
    }
}

extension Update {
    /// Merges pending updates (document-free), keeping every struct once.
    static func mergeForPending(_ updates: [Update]) -> Update {
        var byClient: [ClientID: [UpdateStruct]] = [:]
        for u in updates {
            for cs in u.clients { byClient[cs.client, default: []].append(contentsOf: cs.structs.filter { !$0.isSkip }) }
        }
        var clients: [ClientStructs] = []
        for c in byClient.keys.sorted(by: >) {
            let sorted = byClient[c]!.sorted { $0.clock < $1.clock }
            var out: [UpdateStruct] = []
            var end = -1
            for s in sorted {
                if end >= 0 && s.endClock <= end { continue }
                if end >= 0 && s.clock < end {
                    out.append(s.sliced(from: end - s.clock, client: c))
                } else {
                    if end >= 0 && s.clock > end { out.append(.skip(clock: end, length: s.clock - end)) }
                    out.append(s)
                }
                end = s.endClock
            }
            clients.append(ClientStructs(client: c, structs: out))
        }
        return Update(clients: clients, deleteSet: DeleteSet.merged(updates.map { $0.deleteSet }))
    }
}
