/// JSON views of wire values, in the shape used by the conformance vectors (`decoded`).
extension AnyValue {
    public var json: JSON {
        switch self {
        case .undefined: return .object([("$undefined", .bool(true))])
        case .null: return .null
        case .int(let i): return .number(Double(i))
        case .float32(let f): return .object([("$f32", .number(Double(f)))])
        case .float64(let d): return .object([("$f64", .number(d))])
        case .bigint(let i): return .object([("$bigint", .number(Double(i)))])
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        case .object(let kv): return .object([("$object", .object(kv.map { ($0.0, $0.1.json) }))])
        case .array(let xs): return .object([("$array", .array(xs.map { $0.json }))])
        case .bytes(let b): return .object([("$bytes", .string(hexString(b)))])
        }
    }
}

public func hexString<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
    return String(decoding: out, as: UTF8.self)
}

/// Parses hex (whitespace ignored); nil if malformed.
public func bytesFromHex(_ s: String) -> [UInt8]? {
    var out: [UInt8] = []
    var hi: UInt8? = nil
    for c in s.utf8 {
        let v: UInt8
        switch c {
        case 0x30...0x39: v = c - 0x30
        case 0x61...0x66: v = c - 0x61 + 10
        case 0x41...0x46: v = c - 0x41 + 10
        case 0x20, 0x0A, 0x0D, 0x09: continue
        default: return nil
        }
        if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
    }
    return hi == nil ? out : nil
}

extension ID {
    var jsonPair: JSON { .array([.number(Double(client)), .number(Double(clock))]) }
}

extension ItemContent {
    public var json: JSON {
        switch self {
        case .deleted(let n): return .object([("len", .number(Double(n)))])
        case .json(let xs): return .object([("json", .array(xs.map { .string($0) }))])
        case .binary(let b): return .object([("bytes", .string(hexString(b)))])
        case .string(let s): return .object([("str", .string(s))])
        case .embed(let e): return .object([("embed", .string(e))])
        case .format(let k, let v): return .object([("key", .string(k)), ("value", .string(v))])
        case .type(let t):
            var kv: [(String, JSON)] = [("typeRef", .number(Double(t.code))), ("typeName", .string(t.typeName))]
            switch t {
            case .xmlElement(let n), .xmlHook(let n): kv.append(("name", .string(n)))
            default: break
            }
            return .object(kv)
        case .any(let xs): return .object([("any", .array(xs.map { $0.json }))])
        case .doc(let g, let o): return .object([("guid", .string(g)), ("opts", o.json)])
        }
    }
}

extension UpdateStruct {
    public var json: JSON {
        switch self {
        case .gc(let c, let n):
            return .object([("clock", .number(Double(c))), ("info", .number(0)), ("kind", .string("GC")), ("len", .number(Double(n)))])
        case .skip(let c, let n):
            return .object([("clock", .number(Double(c))), ("info", .number(10)), ("kind", .string("Skip")), ("len", .number(Double(n)))])
        case .item(let it):
            var kv: [(String, JSON)] = [("clock", .number(Double(it.clock))), ("info", .number(Double(it.info))), ("kind", .string(it.content.kindName))]
            if let o = it.origin { kv.append(("origin", o.jsonPair)) }
            if let o = it.rightOrigin { kv.append(("rightOrigin", o.jsonPair)) }
            if it.origin == nil && it.rightOrigin == nil {
                switch it.parent {
                case .root(let n)?: kv.append(("parent", .object([("root", .string(n))])))
                case .item(let id)?: kv.append(("parent", .object([("id", id.jsonPair)])))
                case nil: break
                }
                if let s = it.parentSub { kv.append(("parentSub", .string(s))) }
            }
            kv.append(("content", it.content.json))
            kv.append(("len", .number(Double(it.length))))
            return .object(kv)
        }
    }
}

extension DeleteSet {
    public var json: JSON {
        .array(clients.map { c in
            .object([("client", .number(Double(c.client))),
                     ("ranges", .array(c.ranges.map { .array([.number(Double($0.clock)), .number(Double($0.length))]) }))])
        })
    }
}

extension StateVector {
    /// `[[client, clock], …]`, clients descending.
    public var json: JSON {
        .array(sortedEntries.map { .array([.number(Double($0.client)), .number(Double($0.clock))]) })
    }
}

extension Update {
    /// `{structs: [{client, structs: […]}], deleteSet: […]}` as in the conformance vectors.
    public var json: JSON {
        .object([
            ("structs", .array(clients.map { .object([("client", .number(Double($0.client))), ("structs", .array($0.structs.map { $0.json }))]) })),
            ("deleteSet", deleteSet.json),
        ])
    }
}
