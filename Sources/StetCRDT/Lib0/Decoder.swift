/// A decoding failure on hostile or truncated input: where it happened and what was expected.
public struct Lib0DecodingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Byte offset into the buffer being decoded.
    public var offset: Int
    /// What the decoder was trying to read, e.g. "varUint (struct count)".
    public var expected: String
    public var detail: String

    public init(offset: Int, expected: String, detail: String = "") {
        self.offset = offset
        self.expected = expected
        self.detail = detail
    }

    public var description: String {
        "at byte \(offset): expected \(expected)" + (detail.isEmpty ? "" : " (\(detail))")
    }
}

/// A cursor over bytes with the lib0 primitive readers. Every read is bounds-checked and
/// throws `Lib0DecodingError` instead of trapping.
public struct Lib0Decoder: Sendable {
    public let bytes: [UInt8]
    public var position: Int
    /// Offset of `bytes[0]` within the outermost buffer, so nested decoders report true offsets.
    public let baseOffset: Int

    public init(_ bytes: [UInt8], baseOffset: Int = 0) {
        self.bytes = bytes
        self.position = 0
        self.baseOffset = baseOffset
    }

    @inlinable public var hasMore: Bool { position < bytes.count }
    @inlinable public var remaining: Int { bytes.count - position }
    public var absoluteOffset: Int { baseOffset + position }

    public func error(_ expected: String, _ detail: String = "") -> Lib0DecodingError {
        Lib0DecodingError(offset: baseOffset + position, expected: expected, detail: detail)
    }

    public mutating func readUInt8(_ what: @autoclosure () -> String = "byte") throws -> UInt8 {
        guard position < bytes.count else { throw error(what(), "unexpected end of input") }
        let b = bytes[position]
        position += 1
        return b
    }

    /// Unsigned LEB128. Rejects values above 2^64 and encodings longer than 10 bytes.
    public mutating func readVarUInt(_ what: @autoclosure () -> String = "varUint") throws -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count else {
                position = start
                throw error(what(), "unexpected end of input")
            }
            let b = bytes[position]
            position += 1
            if shift == 63 && b > 1 {
                position = start
                throw error(what(), "integer overflows 64 bits")
            }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 {
                position = start
                throw error(what(), "integer overflows 64 bits")
            }
        }
    }

    /// A varUint that must fit a count or length below `limit` (defends allocation sizes).
    public mutating func readLength(_ what: @autoclosure () -> String, limit: Int) throws -> Int {
        let start = position
        let v = try readVarUInt(what())
        guard v <= UInt64(limit) else {
            position = start
            throw error(what(), "value \(v) exceeds limit \(limit)")
        }
        return Int(v)
    }

    /// lib0 sign-magnitude varInt. Returns the value and whether it was negative zero.
    public mutating func readVarIntWithSign(_ what: @autoclosure () -> String = "varInt") throws -> (Int64, Bool) {
        let start = position
        let first = try readUInt8(what())
        var mag = UInt64(first & 0x3F)
        let negative = first & 0x40 != 0
        var shift: UInt64 = 6
        var more = first & 0x80 != 0
        while more {
            guard position < bytes.count else { position = start; throw error(what(), "unexpected end of input") }
            let b = bytes[position]
            position += 1
            guard shift < 63 else { position = start; throw error(what(), "integer overflows 64 bits") }
            mag |= UInt64(b & 0x7F) << shift
            shift += 7
            more = b & 0x80 != 0
        }
        guard mag <= UInt64(Int64.max) else { position = start; throw error(what(), "integer overflows 64 bits") }
        let v = Int64(mag)
        return (negative ? -v : v, negative && v == 0)
    }

    public mutating func readVarInt(_ what: @autoclosure () -> String = "varInt") throws -> Int64 {
        try readVarIntWithSign(what()).0
    }

    public mutating func readRaw(_ n: Int, _ what: @autoclosure () -> String = "bytes") throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - position else {
            throw error(what(), "needs \(n) bytes, \(bytes.count - position) left")
        }
        let s = bytes[position..<(position + n)]
        position += n
        return s
    }

    public mutating func readVarBytes(_ what: @autoclosure () -> String = "varUint8Array") throws -> [UInt8] {
        let start = position
        let n = try readVarUInt(what() + " length")
        guard n <= UInt64(bytes.count - position) else {
            position = start
            throw error(what(), "length \(n) runs past the end (\(bytes.count - position) bytes left)")
        }
        return Array(try readRaw(Int(n), what()))
    }

    public mutating func readVarString(_ what: @autoclosure () -> String = "varString") throws -> String {
        let start = position
        let n = try readVarUInt(what() + " length")
        guard n <= UInt64(bytes.count - position) else {
            position = start
            throw error(what(), "length \(n) runs past the end (\(bytes.count - position) bytes left)")
        }
        let count = Int(n)
        let from = position
        // validate and copy straight from the buffer (much cheaper than via an ArraySlice)
        let decoded: String? = bytes.withUnsafeBufferPointer { buf in
            String(validating: UnsafeBufferPointer(rebasing: buf[from..<(from + count)]), as: UTF8.self)
        }
        guard let s = decoded else {
            position = start
            throw error(what(), "invalid UTF-8")
        }
        position = from + count
        return s
    }

    public mutating func readFloat32(_ what: @autoclosure () -> String = "float32") throws -> Float {
        let r = try readRaw(4, what())
        var b: UInt32 = 0
        for x in r { b = b << 8 | UInt32(x) }
        return Float(bitPattern: b)
    }

    public mutating func readBigEndian64(_ what: @autoclosure () -> String = "uint64") throws -> UInt64 {
        let r = try readRaw(8, what())
        var b: UInt64 = 0
        for x in r { b = b << 8 | UInt64(x) }
        return b
    }

    public mutating func readFloat64(_ what: @autoclosure () -> String = "float64") throws -> Double {
        Double(bitPattern: try readBigEndian64(what()))
    }
}
