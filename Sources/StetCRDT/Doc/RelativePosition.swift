/// A position that survives concurrent edits (Yjs `RelativePosition`): it sticks to a
/// character by ID instead of an index.
public struct RelativePosition: Equatable, Sendable {
    /// The ID of the item holding a nested type (nil for root types).
    public var type: ID?
    /// The root type's name.
    public var tname: String?
    /// The character the position sticks to; nil means the end (assoc >= 0) or start.
    public var item: ID?
    /// >= 0: sticks to the character after the position; < 0: to the one before.
    public var assoc: Int

    public init(type: ID? = nil, tname: String? = nil, item: ID? = nil, assoc: Int = 0) {
        self.type = type; self.tname = tname; self.item = item; self.assoc = assoc
    }

    /// Binary form: varUint kind (0 item, 1 root name, 2 type id), payload, varInt assoc.
    public func encoded() -> [UInt8] {
        var e = Lib0Encoder()
        if let i = item {
            e.writeVarUInt(0); e.writeVarUInt(i.client); e.writeVarUInt(i.clock)
        } else if let n = tname {
            e.writeUInt8(1); e.writeVarString(n)
        } else if let t = type {
            e.writeVarUInt(2); e.writeVarUInt(t.client); e.writeVarUInt(t.clock)
        } else {
            e.writeVarUInt(1); e.writeVarString("")
        }
        e.writeVarInt(Int64(assoc))
        return e.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws -> RelativePosition {
        var d = Lib0Decoder(bytes)
        var rp = RelativePosition()
        let at = d.position
        switch try d.readVarUInt("relative position kind") {
        case 0: rp.item = ID(client: try d.readClientID("item client"), clock: try d.readClock("item clock"))
        case 1: rp.tname = try d.readVarString("root type name")
        case 2: rp.type = ID(client: try d.readClientID("type client"), clock: try d.readClock("type clock"))
        case let k:
            throw Lib0DecodingError(offset: at, expected: "relative position kind 0, 1 or 2", detail: "got \(k)")
        }
        if d.hasMore {
            let a = try d.readVarInt("assoc")
            guard let ai = Int(exactly: a) else { throw d.error("assoc", "out of range") }
            rp.assoc = ai
        }
        return rp
    }

    /// JSON with all four keys and explicit nulls, as y-codemirror and y-quill put it into
    /// awareness (a missing `item` key crashes y-codemirror's resolver).
    public var json: JSON {
        func idJSON(_ i: ID?) -> JSON {
            guard let i else { return .null }
            return .object([("client", .number(Double(i.client))), ("clock", .number(Double(i.clock)))])
        }
        return .object([("type", idJSON(type)), ("tname", tname.map { .string($0) } ?? .null),
                        ("item", idJSON(item)), ("assoc", .number(Double(assoc)))])
    }

    /// Reads the JSON form; missing keys count as null (Yjs `createRelativePositionFromJSON`).
    public init(json: JSON) throws {
        func id(_ j: JSON?) throws -> ID? {
            guard let j, !j.isNull else { return nil }
            guard let c = j["client"]?.numberValue, let k = j["clock"]?.numberValue,
                  c >= 0, k >= 0, c <= Double(maxWireNumber), k <= Double(maxWireNumber), c == c.rounded(), k == k.rounded() else {
                throw JSON.ParseError(offset: 0, message: "relative position id needs integer client and clock")
            }
            return ID(client: ClientID(c), clock: Clock(k))
        }
        guard case .object = json else { throw JSON.ParseError(offset: 0, message: "relative position must be an object") }
        type = try id(json["type"])
        item = try id(json["item"])
        tname = json["tname"]?.stringValue
        let a = json["assoc"]?.numberValue ?? 0
        guard a == a.rounded(), abs(a) < 1e15 else { throw JSON.ParseError(offset: 0, message: "assoc must be an integer") }
        assoc = Int(a)
    }
}

/// A resolved position: a root type's name and a UTF-16 index in it.
public struct AbsolutePosition: Equatable, Sendable {
    public var typeName: String?
    public var index: Int
    public var assoc: Int
}

extension YText {
    /// A relative position for UTF-16 `index` (Yjs `createRelativePositionFromTypeIndex`).
    public func relativePosition(at index: Int, assoc: Int = 0) -> RelativePosition {
        doc.relativePosition(type, index: index, assoc: assoc)
    }
}

extension Doc {
    func typeIdentity(_ t: Int32) -> (ID?, String?) {
        let tr = types[Int(t)]
        if tr.item == noHandle { return (nil, tr.rootName) }
        return (items[tr.item].id, nil)
    }

    func relativePosition(_ t: Int32, index: Int, assoc: Int) -> RelativePosition {
        let (tid, tname) = typeIdentity(t)
        var i = index
        if assoc < 0 {
            if i == 0 { return RelativePosition(type: tid, tname: tname, item: nil, assoc: assoc) }
            i -= 1
        }
        var h = types[Int(t)].start
        while h != noHandle {
            let r = items[h]
            if !r.isDeleted && r.isCountable {
                if r.length > i { return RelativePosition(type: tid, tname: tname, item: ID(client: r.client, clock: r.clock + i), assoc: assoc) }
                i -= r.length
            }
            if r.right == noHandle && assoc < 0 {
                return RelativePosition(type: tid, tname: tname, item: r.lastID, assoc: assoc)
            }
            h = r.right
        }
        return RelativePosition(type: tid, tname: tname, item: nil, assoc: assoc)
    }

    /// Resolves a relative position to an index, or nil if it refers to content this
    /// document does not have yet (Yjs `createAbsolutePositionFromRelativePosition`,
    /// without following undone deletions).
    /// - Complexity: O(items left of the position)
    public func absolutePosition(_ rp: RelativePosition) -> AbsolutePosition? {
        if let rid = rp.item {
            guard state(of: rid.client) > rid.clock else { return nil }
            let h = find(rid)
            let r = items[h]
            guard r.kind != .gc, r.parent >= 0 else { return nil }
            let t = r.parent
            var index = 0
            let pItem = types[Int(t)].item
            if pItem == noHandle || !items[pItem].isDeleted {
                index = (r.isDeleted || !r.isCountable) ? 0 : (rid.clock - r.clock + (rp.assoc >= 0 ? 0 : 1))
                var n = r.left
                while n != noHandle {
                    index += items[n].visibleLength
                    n = items[n].left
                }
            }
            return AbsolutePosition(typeName: rootName(of: t), index: index, assoc: rp.assoc)
        }
        var t: Int32
        if let n = rp.tname {
            t = rootType(n, kind: .unknown)
        } else if let tid = rp.type {
            guard state(of: tid.client) > tid.clock else { return nil }
            let h = find(tid)
            guard items[h].kind == .type else { return nil }
            t = items[h].payload
        } else {
            return nil
        }
        return AbsolutePosition(typeName: rootName(of: t), index: rp.assoc >= 0 ? types[Int(t)].length : 0, assoc: rp.assoc)
    }

    func rootName(of t: Int32) -> String? {
        var x = t
        while types[Int(x)].item != noHandle {
            x = items[types[Int(x)].item].parent
            if x < 0 { return nil }
        }
        return types[Int(x)].rootName
    }
}
