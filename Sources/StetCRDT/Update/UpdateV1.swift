/// Largest clock or client id accepted from the wire (Yjs numbers are safe integers).
public let maxWireNumber: UInt64 = 1 << 53

extension Lib0Decoder {
    mutating func readClock(_ what: @autoclosure () -> String) throws -> Clock {
        let start = position
        let v = try readVarUInt(what())
        guard v <= maxWireNumber else {
            throw Lib0DecodingError(offset: baseOffset + start, expected: what(), detail: "value \(v) exceeds 2^53")
        }
        return Clock(v)
    }

    mutating func readClientID(_ what: @autoclosure () -> String) throws -> ClientID {
        let start = position
        let v = try readVarUInt(what())
        guard v <= maxWireNumber else {
            throw Lib0DecodingError(offset: baseOffset + start, expected: what(), detail: "value \(v) exceeds 2^53")
        }
        return v
    }

    mutating func readTypeRef() throws -> TypeRef {
        let at = position
        let code = try readVarUInt("type ref")
        switch code {
        case 0: return .array
        case 1: return .map
        case 2: return .text
        case 3: return .xmlElement(try readVarString("XML element name"))
        case 4: return .xmlFragment
        case 5: return .xmlHook(try readVarString("XML hook name"))
        case 6: return .xmlText
        default:
            throw Lib0DecodingError(offset: baseOffset + at, expected: "type ref 0...6", detail: "got \(code)")
        }
    }
}

/// Update format v1 (Yjs `UpdateEncoderV1` / `UpdateDecoderV1`).
public enum UpdateV1 {
    // MARK: decoding

    /// Decodes a whole v1 update. Throws on malformed or trailing-garbage-free truncated input.
    public static func decode(_ bytes: [UInt8]) throws -> Update {
        var d = Lib0Decoder(bytes)
        let clients = try decodeStructs(&d)
        let ds = try decodeDeleteSet(&d)
        return Update(clients: clients, deleteSet: ds)
    }

    static func decodeStructs(_ d: inout Lib0Decoder) throws -> [ClientStructs] {
        let nClients = try d.readLength("number of clients", limit: d.remaining)
        var out: [ClientStructs] = []
        out.reserveCapacity(nClients)
        for _ in 0..<nClients {
            let nStructs = try d.readLength("number of structs", limit: d.remaining)
            let client = try d.readClientID("client id")
            var clock = try d.readClock("first clock")
            var structs: [UpdateStruct] = []
            structs.reserveCapacity(nStructs)
            for _ in 0..<nStructs {
                let s = try decodeStruct(&d, clock: clock)
                clock += s.length
                guard clock <= Int(maxWireNumber) else { throw d.error("struct length", "clock exceeds 2^53") }
                structs.append(s)
            }
            out.append(ClientStructs(client: client, structs: structs))
        }
        return out
    }

    static func decodeStruct(_ d: inout Lib0Decoder, clock: Clock) throws -> UpdateStruct {
        let infoAt = d.position
        let info = try d.readUInt8("struct info byte")
        let ref = info & 0x1F
        switch ref {
        case 0:
            return .gc(clock: clock, length: try d.readClock("GC length"))
        case 10:
            return .skip(clock: clock, length: try d.readClock("Skip length"))
        case 1...9:
            var origin: ID?
            var rightOrigin: ID?
            if info & 0x80 != 0 {
                origin = ID(client: try d.readClientID("origin client"), clock: try d.readClock("origin clock"))
            }
            if info & 0x40 != 0 {
                rightOrigin = ID(client: try d.readClientID("right origin client"), clock: try d.readClock("right origin clock"))
            }
            var parent: ParentRef?
            var parentSub: String?
            if info & 0xC0 == 0 {
                let pinfoAt = d.position
                let pinfo = try d.readVarUInt("parent info (0 or 1)")
                switch pinfo {
                case 1: parent = .root(try d.readVarString("root type name"))
                case 0: parent = .item(ID(client: try d.readClientID("parent client"), clock: try d.readClock("parent clock")))
                default:
                    throw Lib0DecodingError(offset: d.baseOffset + pinfoAt, expected: "parent info (0 or 1)", detail: "got \(pinfo)")
                }
                if info & 0x20 != 0 { parentSub = try d.readVarString("parent sub (map key)") }
            }
            let content = try decodeContent(&d, ref: ref)
            guard content.length > 0 else {
                throw Lib0DecodingError(offset: d.baseOffset + infoAt, expected: "a struct of length >= 1", detail: "got an empty \(content.kindName)")
            }
            return .item(UpdateItem(clock: clock, origin: origin, rightOrigin: rightOrigin, parent: parent,
                                    parentSub: parentSub, hasParentSub: info & 0x20 != 0, content: content))
        default:
            throw Lib0DecodingError(offset: d.baseOffset + infoAt, expected: "content ref 0...10", detail: "got \(ref) in info byte 0x\(String(info, radix: 16))")
        }
    }

    static func decodeContent(_ d: inout Lib0Decoder, ref: UInt8) throws -> ItemContent {
        switch ref {
        case 1: return .deleted(try d.readClock("Deleted length"))
        case 2:
            let n = try d.readLength("JSON count", limit: d.remaining)
            var xs: [String] = []
            xs.reserveCapacity(n)
            for _ in 0..<n {
                let at = d.position
                let s = try d.readVarString("JSON text")
                if s != "undefined" { try validateJSON(s, at: d.baseOffset + at, what: "JSON content") }
                xs.append(s)
            }
            return .json(xs)
        case 3: return .binary(try d.readVarBytes("binary content"))
        case 4: return .string(try d.readVarString("string content"))
        case 5:
            let at = d.position
            let s = try d.readVarString("embed JSON")
            try validateJSON(s, at: d.baseOffset + at, what: "embed")
            return .embed(s)
        case 6:
            let k = try d.readVarString("format key")
            let at = d.position
            let v = try d.readVarString("format value")
            try validateJSON(v, at: d.baseOffset + at, what: "format value")
            return .format(key: k, value: v)
        case 7: return .type(try d.readTypeRef())
        case 8:
            let n = try d.readLength("Any count", limit: d.remaining)
            var xs: [AnyValue] = []
            xs.reserveCapacity(n)
            for _ in 0..<n { xs.append(try d.readAny()) }
            return .any(xs)
        case 9: return .doc(guid: try d.readVarString("doc guid"), opts: try d.readAny())
        default: throw d.error("content ref", "\(ref)")
        }
    }

    /// Yjs parses these texts with JSON.parse and fails on invalid ones; so do we, at decode time.
    /// The literal `undefined` is accepted everywhere: the v2 codec carries undefined values
    /// as that text, and a v1 re-encoding of them must stay readable.
    static func validateJSON(_ s: String, at offset: Int, what: String) throws {
        if s == "undefined" { return }
        do { _ = try JSON.parse(s) } catch let e as JSON.ParseError {
            throw Lib0DecodingError(offset: offset, expected: "valid JSON text in \(what)", detail: e.message)
        }
    }

    public static func decodeDeleteSet(_ d: inout Lib0Decoder) throws -> DeleteSet {
        let n = try d.readLength("delete set client count", limit: d.remaining)
        var clients: [(client: ClientID, ranges: [DeleteRange])] = []
        clients.reserveCapacity(n)
        for _ in 0..<n {
            let client = try d.readClientID("delete set client")
            let nr = try d.readLength("delete range count", limit: d.remaining)
            var rs: [DeleteRange] = []
            rs.reserveCapacity(nr)
            for _ in 0..<nr {
                let c = try d.readClock("delete range clock")
                let l = try d.readClock("delete range length")
                guard c + l <= Int(maxWireNumber) else { throw d.error("delete range", "end exceeds 2^53") }
                rs.append(DeleteRange(clock: c, length: l))
            }
            clients.append((client, rs))
        }
        return DeleteSet(clients)
    }

    public static func decodeDeleteSet(_ bytes: [UInt8]) throws -> DeleteSet {
        var d = Lib0Decoder(bytes)
        return try decodeDeleteSet(&d)
    }

    // MARK: encoding

    public static func encode(_ u: Update) -> [UInt8] {
        var e = Lib0Encoder(capacity: 64)
        encodeStructs(u.clients, into: &e)
        encodeDeleteSet(u.deleteSet, into: &e)
        return e.bytes
    }

    static func encodeStructs(_ clients: [ClientStructs], into e: inout Lib0Encoder) {
        e.writeVarUInt(clients.count)
        for cs in clients {
            e.writeVarUInt(cs.structs.count)
            e.writeVarUInt(cs.client)
            e.writeVarUInt(cs.structs.first?.clock ?? 0)
            for s in cs.structs { encodeStruct(s, into: &e) }
        }
    }

    static func encodeStruct(_ s: UpdateStruct, into e: inout Lib0Encoder) {
        switch s {
        case .gc(_, let n): e.writeUInt8(0); e.writeVarUInt(n)
        case .skip(_, let n): e.writeUInt8(10); e.writeVarUInt(n)
        case .item(let it):
            e.writeUInt8(it.info)
            if let o = it.origin { e.writeVarUInt(o.client); e.writeVarUInt(o.clock) }
            if let o = it.rightOrigin { e.writeVarUInt(o.client); e.writeVarUInt(o.clock) }
            if it.origin == nil && it.rightOrigin == nil {
                switch it.parent {
                case .root(let name): e.writeVarUInt(1); e.writeVarString(name)
                case .item(let id): e.writeVarUInt(0); e.writeVarUInt(id.client); e.writeVarUInt(id.clock)
                case nil: e.writeVarUInt(1); e.writeVarString("") // no parent known: unreachable for valid items
                }
                if let sub = it.parentSub { e.writeVarString(sub) }
            }
            encodeContent(it.content, into: &e)
        }
    }

    static func encodeContent(_ c: ItemContent, into e: inout Lib0Encoder) {
        switch c {
        case .deleted(let n): e.writeVarUInt(n)
        case .json(let xs): e.writeVarUInt(xs.count); for x in xs { e.writeVarString(x) }
        case .binary(let b): e.writeVarBytes(b)
        case .string(let s): e.writeVarString(s)
        case .embed(let s): e.writeVarString(s)
        case .format(let k, let v): e.writeVarString(k); e.writeVarString(v)
        case .type(let t):
            e.writeVarUInt(UInt64(t.code))
            switch t {
            case .xmlElement(let n), .xmlHook(let n): e.writeVarString(n)
            default: break
            }
        case .any(let xs): e.writeVarUInt(xs.count); for x in xs { e.writeAny(x) }
        case .doc(let g, let o): e.writeVarString(g); e.writeAny(o)
        }
    }

    public static func encodeDeleteSet(_ ds: DeleteSet, into e: inout Lib0Encoder) {
        e.writeVarUInt(ds.clients.count)
        for (c, rs) in ds.clients {
            e.writeVarUInt(c)
            e.writeVarUInt(rs.count)
            for r in rs { e.writeVarUInt(r.clock); e.writeVarUInt(r.length) }
        }
    }

    public static func encodeDeleteSet(_ ds: DeleteSet) -> [UInt8] {
        var e = Lib0Encoder()
        encodeDeleteSet(ds, into: &e)
        return e.bytes
    }
}

extension StateVector {
    /// Encodes as Yjs does: entries sorted by client descending.
    public func encoded() -> [UInt8] {
        var e = Lib0Encoder()
        let entries = sortedEntries
        e.writeVarUInt(entries.count)
        for (c, k) in entries { e.writeVarUInt(c); e.writeVarUInt(k) }
        return e.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws -> StateVector {
        var d = Lib0Decoder(bytes)
        return try decode(&d)
    }

    public static func decode(_ d: inout Lib0Decoder) throws -> StateVector {
        let n = try d.readLength("state vector size", limit: d.remaining)
        var sv = StateVector()
        for _ in 0..<n {
            let c = try d.readClientID("state vector client")
            sv.clocks[c] = try d.readClock("state vector clock")
        }
        return sv
    }
}
