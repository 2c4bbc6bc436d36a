extension Doc {
    /// The content of item `h` as a wire value.
    func content(of h: Handle) -> ItemContent {
        let r = items[h]
        switch r.kind {
        case .string:
            let units = slots[Int(r.slot)].units[r.contentStart..<(r.contentStart + r.length)]
            return .string(UTF16Transcoding.string(units))
        case .deleted: return .deleted(r.length)
        case .type:
            switch types[Int(r.payload)].kind {
            case .text: return .type(.text)
            case .map: return .type(.map)
            case .array: return .type(.array)
            case .xml(let ref): return .type(ref)
            case .unknown: return .type(.array)
            }
        case .gc: return .deleted(r.length)
        default:
            switch payloads[Int(r.payload)] {
            case .json(let xs): return .json(xs)
            case .any(let xs): return .any(xs)
            case .binary(let b): return .binary(b)
            case .embed(let e): return .embed(e)
            case .format(let k, let v): return .format(key: k, value: v)
            case .doc(let g, let o): return .doc(guid: g, opts: o)
            }
        }
    }

    /// Item `h` as an update struct, without its first `offset` units.
    func wireStruct(_ h: Handle, offset: Int = 0, collapseDeleted: Bool = false) -> UpdateStruct {
        let r = items[h]
        if r.kind == .gc { return .gc(clock: r.clock + offset, length: r.length - offset) }
        var parent: ParentRef?
        var sub: String?
        if r.originClient == noClient && r.rightOriginClient == noClient {
            let t = types[Int(r.parent)]
            if let name = t.rootName { parent = .root(name) } else { parent = .item(items[t.item].id) }
            if r.parentSub >= 0 { sub = keys[Int(r.parentSub)] }
        }
        let it = UpdateItem(clock: r.clock, origin: r.origin, rightOrigin: r.rightOrigin, parent: parent,
                            parentSub: sub, hasParentSub: r.parentSub >= 0,
                            content: collapseDeleted && r.isDeleted ? .deleted(r.length) : content(of: h))
        return .item(it).sliced(from: offset, client: r.client)
    }

    /// This client's structs from `clock` on (the first one possibly sliced).
    func structs(of s: Int32, from clock: Clock, collapseDeleted: Bool = false) -> [UpdateStruct] {
        let si = Int(s)
        guard clock < slots[si].state else { return [] }
        var h = find(slot: s, clock: max(clock, 0))
        var out: [UpdateStruct] = []
        out.append(wireStruct(h, offset: max(clock, 0) - items[h].clock, collapseDeleted: collapseDeleted))
        h = items[h].nextInClock
        while h != noHandle {
            out.append(wireStruct(h, collapseDeleted: collapseDeleted))
            h = items[h].nextInClock
        }
        return out
    }

    /// The delete set of the whole store: runs of deleted structs per client.
    /// - Complexity: O(number of items)
    public var deleteSet: DeleteSet {
        var out: [(client: ClientID, ranges: [DeleteRange])] = []
        for s in slots {
            var rs: [DeleteRange] = []
            var h = s.first
            while h != noHandle {
                let r = items[h]
                if r.isDeleted {
                    if let last = rs.last, last.end == r.clock {
                        rs[rs.count - 1].length += r.length
                    } else {
                        rs.append(DeleteRange(clock: r.clock, length: r.length))
                    }
                }
                h = r.nextInClock
            }
            if !rs.isEmpty { out.append((s.id, rs)) }
        }
        out.sort { $0.client > $1.client }
        return DeleteSet(out)
    }

    /// Everything `sv` lacks, plus the whole delete set (Yjs `encodeStateAsUpdate`), as a
    /// value. Pending structs and deletes are merged in as Yjs does.
    /// `collapseDeleted` writes deleted content as `Deleted(len)`, as a Yjs document with
    /// garbage collection on would (history is then not transferred).
    public func stateAsUpdate(from sv: StateVector = StateVector(), collapseDeleted: Bool = false) -> Update {
        var clients: [ClientStructs] = []
        for s in slots.indices.sorted(by: { slots[$0].id > slots[$1].id }) {
            let slot = slots[s]
            let from = sv[slot.id]
            if from < slot.state {
                clients.append(ClientStructs(client: slot.id, structs: structs(of: Int32(s), from: from, collapseDeleted: collapseDeleted)))
            }
        }
        var u = Update(clients: clients, deleteSet: deleteSet)
        if pendingStructs != nil || pendingDeletes != nil {
            var parts = [u]
            if let p = pendingStructs { parts.append(p) }
            if let d = pendingDeletes { parts.append(Update(deleteSet: d)) }
            u = Update.mergeForPending(parts)
        }
        return u
    }

    /// `encodeStateAsUpdate` in format v1.
    public func encodeStateAsUpdate(from sv: StateVector = StateVector()) -> [UInt8] {
        UpdateV1.encode(stateAsUpdate(from: sv))
    }

    /// The state vector in Yjs's encoding (clients descending).
    public func encodeStateVector() -> [UInt8] { stateVector.encoded() }
}
