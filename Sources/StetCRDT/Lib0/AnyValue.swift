/// A lib0 `Any` value, as carried by ContentAny, ContentDoc options and Yjs maps.
///
/// Numbers keep the tag they were decoded with so that re-encoding reproduces the same bytes
/// (Yjs writes small integers with tag 125; yrs writes float32/float64).
public indirect enum AnyValue: Equatable, Sendable {
    case undefined
    case null
    case int(Int64)          // tag 125, varInt
    case float32(Float)      // tag 124
    case float64(Double)     // tag 123
    case bigint(Int64)       // tag 122
    case bool(Bool)          // tags 121/120
    case string(String)      // tag 119
    case object([(String, AnyValue)]) // tag 118, insertion order kept
    case array([AnyValue])   // tag 117
    case bytes([UInt8])      // tag 116

    public static func == (a: AnyValue, b: AnyValue) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.null, .null): return true
        case let (.int(x), .int(y)), let (.bigint(x), .bigint(y)): return x == y
        case let (.float32(x), .float32(y)): return x.bitPattern == y.bitPattern || x == y
        case let (.float64(x), .float64(y)): return x.bitPattern == y.bitPattern || x == y
        case let (.bool(x), .bool(y)): return x == y
        case let (.string(x), .string(y)): return Array(x.utf8) == Array(y.utf8)
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { Array($0.0.utf8) == Array($1.0.utf8) && $0.1 == $1.1 }
        case let (.array(x), .array(y)): return x == y
        case let (.bytes(x), .bytes(y)): return x == y
        default: return false
        }
    }

    /// The number as a Double, whatever its tag.
    public var numberValue: Double? {
        switch self {
        case .int(let i), .bigint(let i): return Double(i)
        case .float32(let f): return Double(f)
        case .float64(let d): return d
        default: return nil
        }
    }

    /// Maximum nesting accepted by the decoder (defends the stack against hostile input).
    public static let maxDepth = 64
}

extension Lib0Encoder {
    public mutating func writeAny(_ v: AnyValue) {
        switch v {
        case .undefined: writeUInt8(127)
        case .null: writeUInt8(126)
        case .int(let i): writeUInt8(125); writeVarInt(i)
        case .float32(let f): writeUInt8(124); writeFloat32(f)
        case .float64(let d): writeUInt8(123); writeFloat64(d)
        case .bigint(let i): writeUInt8(122); writeBigEndian64(UInt64(bitPattern: i))
        case .bool(let b): writeUInt8(b ? 120 : 121)
        case .string(let s): writeUInt8(119); writeVarString(s)
        case .object(let kv):
            writeUInt8(118); writeVarUInt(kv.count)
            for (k, x) in kv { writeVarString(k); writeAny(x) }
        case .array(let xs):
            writeUInt8(117); writeVarUInt(xs.count)
            for x in xs { writeAny(x) }
        case .bytes(let b): writeUInt8(116); writeVarBytes(b)
        }
    }
}

extension Lib0Decoder {
    public mutating func readAny(depth: Int = 0) throws -> AnyValue {
        guard depth < AnyValue.maxDepth else { throw error("Any value", "nested deeper than \(AnyValue.maxDepth)") }
        let tagAt = position
        let tag = try readUInt8("Any tag")
        switch tag {
        case 127: return .undefined
        case 126: return .null
        case 125: return .int(try readVarInt("Any integer"))
        case 124: return .float32(try readFloat32("Any float32"))
        case 123: return .float64(try readFloat64("Any float64"))
        case 122: return .bigint(Int64(bitPattern: try readBigEndian64("Any bigint")))
        case 121: return .bool(false)
        case 120: return .bool(true)
        case 119: return .string(try readVarString("Any string"))
        case 118:
            let n = try readLength("Any object size", limit: remaining)
            var kv: [(String, AnyValue)] = []
            kv.reserveCapacity(n)
            for _ in 0..<n {
                let k = try readVarString("Any object key")
                kv.append((k, try readAny(depth: depth + 1)))
            }
            return .object(kv)
        case 117:
            let n = try readLength("Any array size", limit: remaining)
            var xs: [AnyValue] = []
            xs.reserveCapacity(n)
            for _ in 0..<n { xs.append(try readAny(depth: depth + 1)) }
            return .array(xs)
        case 116: return .bytes(try readVarBytes("Any Uint8Array"))
        default:
            position = tagAt
            throw error("Any tag (116...127)", "got \(tag)")
        }
    }
}
