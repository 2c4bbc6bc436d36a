/// A growable byte buffer with the lib0 primitive writers used by Yjs.
///
/// All multi-byte integers inside variable-length encodings are written least-significant
/// group first; fixed-width floats and bigints are big-endian (lib0 v0.2.x).
public struct Lib0Encoder: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inlinable public var count: Int { bytes.count }

    public mutating func writeUInt8(_ v: UInt8) { bytes.append(v) }

    /// Unsigned LEB128 ("varUint").
    /// - Complexity: O(log v)
    public mutating func writeVarUInt(_ value: UInt64) {
        var v = value
        while v > 0x7F {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    @inlinable public mutating func writeVarUInt(_ value: Int) {
        precondition(value >= 0, "varUint must not be negative")
        writeVarUInt(UInt64(value))
    }

    /// lib0 sign-magnitude varInt: first byte carries continue(0x80), sign(0x40) and 6 bits.
    public mutating func writeVarInt(_ value: Int64, negativeZero: Bool = false) {
        let negative = value < 0 || (value == 0 && negativeZero)
        var mag = value.magnitude
        var first = UInt8(truncatingIfNeeded: mag & 0x3F)
        if negative { first |= 0x40 }
        mag >>= 6
        if mag > 0 { first |= 0x80 }
        bytes.append(first)
        while mag > 0 {
            var b = UInt8(truncatingIfNeeded: mag & 0x7F)
            mag >>= 7
            if mag > 0 { b |= 0x80 }
            bytes.append(b)
        }
    }

    public mutating func writeRaw<S: Sequence>(_ raw: S) where S.Element == UInt8 {
        bytes.append(contentsOf: raw)
    }

    /// varUint length then the bytes.
    public mutating func writeVarBytes(_ raw: [UInt8]) {
        writeVarUInt(raw.count)
        bytes.append(contentsOf: raw)
    }

    /// varUint UTF-8 byte length then UTF-8 bytes.
    public mutating func writeVarString(_ s: String) {
        var s = s
        s.withUTF8 { buf in
            writeVarUInt(buf.count)
            bytes.append(contentsOf: buf)
        }
    }

    public mutating func writeFloat32(_ f: Float) {
        let b = f.bitPattern
        bytes.append(UInt8(truncatingIfNeeded: b >> 24)); bytes.append(UInt8(truncatingIfNeeded: b >> 16))
        bytes.append(UInt8(truncatingIfNeeded: b >> 8)); bytes.append(UInt8(truncatingIfNeeded: b))
    }

    public mutating func writeFloat64(_ f: Double) { writeBigEndian64(f.bitPattern) }

    public mutating func writeBigEndian64(_ b: UInt64) {
        var shift: UInt64 = 56
        while true {
            bytes.append(UInt8(truncatingIfNeeded: b >> shift))
            if shift == 0 { break }
            shift -= 8
        }
    }
}
