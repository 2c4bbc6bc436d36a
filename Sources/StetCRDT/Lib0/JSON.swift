/// A minimal JSON value with an exact writer and a strict parser (standard library only).
/// Used for relative positions' JSON form, awareness states and the `stet yjs` dumps.
public indirect enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return Array(x.unicodeScalars) == Array(y.unicodeScalars)
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { Array($0.0.unicodeScalars) == Array($1.0.unicodeScalars) && $0.1 == $1.1 }
        default: return false
        }
    }

    public subscript(key: String) -> JSON? {
        if case .object(let kv) = self { return kv.first(where: { $0.0 == key })?.1 }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var numberValue: Double? { if case .number(let d) = self { return d }; return nil }
    public var arrayValue: [JSON]? { if case .array(let a) = self { return a }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }

    /// Compact serialization (no spaces), like `JSON.stringify`.
    public var serialized: String {
        var out = ""
        write(to: &out, indent: nil, level: 0)
        return out
    }

    /// Pretty serialization with two-space indentation.
    public var pretty: String {
        var out = ""
        write(to: &out, indent: "  ", level: 0)
        return out
    }

    func write(to out: inout String, indent: String?, level: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += JSON.formatNumber(d)
        case .string(let s): JSON.writeString(s, to: &out)
        case .array(let xs):
            if xs.isEmpty { out += "[]"; return }
            out += "["
            for (i, x) in xs.enumerated() {
                if i > 0 { out += "," }
                if let ind = indent { out += "\n" + String(repeating: ind, count: level + 1) }
                x.write(to: &out, indent: indent, level: level + 1)
            }
            if let ind = indent { out += "\n" + String(repeating: ind, count: level) }
            out += "]"
        case .object(let kv):
            if kv.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (k, v)) in kv.enumerated() {
                if i > 0 { out += "," }
                if let ind = indent { out += "\n" + String(repeating: ind, count: level + 1) }
                JSON.writeString(k, to: &out)
                out += indent == nil ? ":" : ": "
                v.write(to: &out, indent: indent, level: level + 1)
            }
            if let ind = indent { out += "\n" + String(repeating: ind, count: level) }
            out += "}"
        }
    }

    static func formatNumber(_ d: Double) -> String {
        if d.isNaN || d.isInfinite { return "null" }
        if d == d.rounded(), abs(d) < 9.007199254740992e15 { return String(Int64(d)) }
        return "\(d)"
    }

    static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var offset: Int
        public var message: String
        public var description: String { "JSON at byte \(offset): \(message)" }
    }

    /// Strict RFC 8259 parser with a depth limit.
    public static func parse(_ text: String, maxDepth: Int = 128) throws -> JSON {
        var p = Parser(bytes: Array(text.utf8), maxDepth: maxDepth)
        p.skipWS()
        let v = try p.value(depth: 0)
        p.skipWS()
        guard p.i == p.bytes.count else { throw ParseError(offset: p.i, message: "trailing characters") }
        return v
    }

    struct Parser {
        let bytes: [UInt8]
        let maxDepth: Int
        var i = 0

        init(bytes: [UInt8], maxDepth: Int) { self.bytes = bytes; self.maxDepth = maxDepth }

        mutating func skipWS() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        func fail(_ m: String) -> ParseError { ParseError(offset: i, message: m) }

        mutating func expectWord(_ w: String) throws {
            for b in w.utf8 {
                guard i < bytes.count, bytes[i] == b else { throw fail("expected \(w)") }
                i += 1
            }
        }

        mutating func value(depth: Int) throws -> JSON {
            guard depth < maxDepth else { throw fail("nested deeper than \(maxDepth)") }
            guard i < bytes.count else { throw fail("unexpected end") }
            switch bytes[i] {
            case UInt8(ascii: "n"): try expectWord("null"); return .null
            case UInt8(ascii: "t"): try expectWord("true"); return .bool(true)
            case UInt8(ascii: "f"): try expectWord("false"); return .bool(false)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "["):
                i += 1; skipWS()
                var xs: [JSON] = []
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(xs) }
                while true {
                    skipWS()
                    xs.append(try value(depth: depth + 1))
                    skipWS()
                    guard i < bytes.count else { throw fail("unterminated array") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(xs) }
                    throw fail("expected , or ]")
                }
            case UInt8(ascii: "{"):
                i += 1; skipWS()
                var kv: [(String, JSON)] = []
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(kv) }
                while true {
                    skipWS()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected object key") }
                    let k = try string()
                    skipWS()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected :") }
                    i += 1; skipWS()
                    kv.append((k, try value(depth: depth + 1)))
                    skipWS()
                    guard i < bytes.count else { throw fail("unterminated object") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(kv) }
                    throw fail("expected , or }")
                }
            default:
                return .number(try number())
            }
        }

        mutating func number() throws -> Double {
            let start = i
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
            var digits = 0
            while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1; digits += 1 }
            guard digits > 0 else { i = start; throw fail("expected a value") }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                var frac = 0
                while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1; frac += 1 }
                guard frac > 0 else { throw fail("expected digits after .") }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                var e = 0
                while i < bytes.count, (0x30...0x39).contains(bytes[i]) { i += 1; e += 1 }
                guard e > 0 else { throw fail("expected exponent digits") }
            }
            let s = String(decoding: bytes[start..<i], as: UTF8.self)
            guard let d = Double(s) else { throw fail("bad number") }
            return d
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= bytes.count else { throw fail("short \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: throw fail("bad hex digit in \\u escape")
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        mutating func string() throws -> String {
            i += 1 // opening quote
            var runStart = i
            var out = ""
            func flush(_ p: inout Parser, _ end: Int) throws {
                if end > runStart {
                    guard let s = String(validating: p.bytes[runStart..<end], as: UTF8.self) else { throw p.fail("invalid UTF-8 in string") }
                    out += s
                }
            }
            while true {
                guard i < bytes.count else { throw fail("unterminated string") }
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    try flush(&self, i)
                    i += 1
                    return out
                }
                if c < 0x20 { throw fail("control character in string") }
                if c == UInt8(ascii: "\\") {
                    try flush(&self, i)
                    i += 1
                    guard i < bytes.count else { throw fail("unterminated escape") }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""): out += "\""
                    case UInt8(ascii: "\\"): out += "\\"
                    case UInt8(ascii: "/"): out += "/"
                    case UInt8(ascii: "b"): out += "\u{08}"
                    case UInt8(ascii: "f"): out += "\u{0C}"
                    case UInt8(ascii: "n"): out += "\n"
                    case UInt8(ascii: "r"): out += "\r"
                    case UInt8(ascii: "t"): out += "\t"
                    case UInt8(ascii: "u"):
                        var v = try hex4()
                        if (0xD800...0xDBFF).contains(v) {
                            if i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                                let save = i
                                i += 2
                                let lo = try hex4()
                                if (0xDC00...0xDFFF).contains(lo) {
                                    v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                                } else { i = save; v = 0xFFFD }
                            } else { v = 0xFFFD }
                        } else if (0xDC00...0xDFFF).contains(v) { v = 0xFFFD }
                        out.unicodeScalars.append(Unicode.Scalar(v) ?? "\u{FFFD}")
                    default: throw fail("bad escape")
                    }
                    runStart = i
                    continue
                }
                i += 1
            }
        }
    }
}
