/// A point in a document's history: what was deleted and what was known (Yjs `Snapshot`).
public struct Snapshot: Equatable, Sendable {
    public var deleteSet: DeleteSet
    public var stateVector: StateVector

    public init(deleteSet: DeleteSet, stateVector: StateVector) {
        self.deleteSet = deleteSet
        self.stateVector = stateVector
    }

    /// Yjs v1 snapshot encoding: delete set then state vector.
    public func encoded() -> [UInt8] {
        var e = Lib0Encoder()
        UpdateV1.encodeDeleteSet(deleteSet.normalized(), into: &e)
        let sv = stateVector.sortedEntries
        e.writeVarUInt(sv.count)
        for (c, k) in sv { e.writeVarUInt(c); e.writeVarUInt(k) }
        return e.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws -> Snapshot {
        var d = Lib0Decoder(bytes)
        let ds = try UpdateV1.decodeDeleteSet(&d)
        let sv = try StateVector.decode(&d)
        return Snapshot(deleteSet: ds, stateVector: sv)
    }

    /// Whether the unit `id` is visible in this snapshot.
    public func isVisible(_ id: ID) -> Bool {
        stateVector[id.client] > id.clock && !deleteSet.contains(id)
    }
}

extension Doc {
    /// The current point in history.
    /// - Complexity: O(items)
    public func snapshot() -> Snapshot {
        Snapshot(deleteSet: deleteSet.normalized(), stateVector: stateVector)
    }

    /// The text of root `name` as it was at `snapshot` (requires full history, which stet keeps).
    /// - Complexity: O(items + length)
    public func text(_ name: String = "text", at snapshot: Snapshot) -> String {
        guard let t = roots[name] else { return "" }
        var units: [UInt16] = []
        var h = types[Int(t)].start
        let ds = snapshot.deleteSet.normalized()
        while h != noHandle {
            let r = items[h]
            if r.kind == .string {
                let known = min(r.length, snapshot.stateVector[r.client] - r.clock)
                if known > 0 {
                    let arena = slots[Int(r.slot)].units
                    var c = r.clock
                    let end = r.clock + known
                    // walk sub-ranges not covered by the snapshot's delete set
                    let ranges = ds.clients.first(where: { $0.client == r.client })?.ranges ?? []
                    while c < end {
                        if let del = ranges.first(where: { $0.clock <= c && c < $0.end }) {
                            c = min(del.end, end)
                        } else {
                            let nextDel = ranges.first(where: { $0.clock > c })?.clock ?? end
                            let stop = min(nextDel, end)
                            units.append(contentsOf: arena[(r.contentStart + c - r.clock)..<(r.contentStart + stop - r.clock)])
                            c = stop
                        }
                    }
                }
            }
            h = r.right
        }
        return UTF16Transcoding.string(units)
    }

    /// The update that rebuilds the document as it was at `snapshot` (Yjs
    /// `createDocFromSnapshot`): every struct up to the snapshot's clocks, then its delete set.
    public func update(at snapshot: Snapshot) -> Update {
        var clients: [ClientStructs] = []
        for s in slots.indices.sorted(by: { slots[$0].id > slots[$1].id }) {
            let slot = slots[s]
            let limit = min(snapshot.stateVector[slot.id], slot.state)
            if limit <= 0 { continue }
            var out: [UpdateStruct] = []
            var h = slot.first
            while h != noHandle {
                let r = items[h]
                if r.clock >= limit { break }
                var st = wireStruct(h)
                if r.clock + r.length > limit {
                    let keep = limit - r.clock
                    switch st {
                    case .item(var it):
                        it.content = it.content.sliced(to: keep)
                        st = .item(it)
                    case .gc(let c, _): st = .gc(clock: c, length: keep)
                    case .skip(let c, _): st = .skip(clock: c, length: keep)
                    }
                }
                out.append(st)
                h = r.nextInClock
            }
            clients.append(ClientStructs(client: slot.id, structs: out))
        }
        return Update(clients: clients, deleteSet: snapshot.deleteSet.normalized())
    }

    /// A new document holding the state at `snapshot`.
    public func document(at snapshot: Snapshot, clientID: ClientID) -> Doc {
        let d = Doc(clientID: clientID)
        d.apply(update(at: snapshot))
        return d
    }
}
