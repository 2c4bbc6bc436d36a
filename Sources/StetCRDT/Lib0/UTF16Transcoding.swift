/// Fast conversions between UTF-8 and the UTF-16 code units the document stores. The
/// standard library's generic transcoding paths cost ~20–200 ns per unit; these loops take
/// the ASCII case one byte at a time and decode the rest by hand.
enum UTF16Transcoding {
    /// The UTF-16 length of valid UTF-8.
    /// - Complexity: O(n)
    static func utf16Count(validUTF8 b: UnsafeBufferPointer<UInt8>) -> Int {
        var n = 0
        for x in b {
            // Every byte but continuation bytes starts a scalar; 4-byte scalars take 2 units.
            if x & 0xC0 != 0x80 { n += 1 }
            if x >= 0xF0 { n += 1 }
        }
        return n
    }

    /// Writes the UTF-16 units of valid UTF-8 (a Swift string's bytes) to `dst`; returns the count.
    /// - Complexity: O(n)
    @discardableResult
    static func write(validUTF8 b: UnsafeBufferPointer<UInt8>, to dst: UnsafeMutablePointer<UInt16>) -> Int {
        var i = 0, o = 0
        let n = b.count
        while i < n {
            let x = b[i]
            if x < 0x80 {
                dst[o] = UInt16(x); i += 1; o += 1
            } else if x < 0xE0 {
                dst[o] = UInt16(x & 0x1F) << 6 | UInt16(b[i + 1] & 0x3F); i += 2; o += 1
            } else if x < 0xF0 {
                dst[o] = UInt16(x & 0x0F) << 12 | UInt16(b[i + 1] & 0x3F) << 6 | UInt16(b[i + 2] & 0x3F); i += 3; o += 1
            } else {
                let v = UInt32(x & 0x07) << 18 | UInt32(b[i + 1] & 0x3F) << 12 | UInt32(b[i + 2] & 0x3F) << 6 | UInt32(b[i + 3] & 0x3F)
                let w = v - 0x10000
                dst[o] = UInt16(0xD800 + (w >> 10)); dst[o + 1] = UInt16(0xDC00 + (w & 0x3FF)); i += 4; o += 2
            }
        }
        return o
    }

    /// Decodes possibly invalid UTF-8 (from the wire) into UTF-16 units appended to `out`.
    /// Returns false (leaving `out` with a partial append the caller discards) on invalid input:
    /// overlong forms, surrogates, values past U+10FFFF, truncated sequences.
    /// - Complexity: O(n)
    static func decode(_ b: UnsafeBufferPointer<UInt8>, appendingTo out: inout [UInt16]) -> Bool {
        var i = 0
        let n = b.count
        out.reserveCapacity(out.count + n)
        while i < n {
            let x = b[i]
            if x < 0x80 { out.append(UInt16(x)); i += 1; continue }
            func cont(_ k: Int) -> UInt32? {
                guard i + k < n, b[i + k] & 0xC0 == 0x80 else { return nil }
                return UInt32(b[i + k] & 0x3F)
            }
            if x >= 0xC2 && x < 0xE0 {
                guard let c1 = cont(1) else { return false }
                out.append(UInt16(UInt32(x & 0x1F) << 6 | c1)); i += 2
            } else if x >= 0xE0 && x < 0xF0 {
                guard let c1 = cont(1), let c2 = cont(2) else { return false }
                let v = UInt32(x & 0x0F) << 12 | c1 << 6 | c2
                guard v >= 0x800, !(0xD800...0xDFFF).contains(v) else { return false }
                out.append(UInt16(v)); i += 3
            } else if x >= 0xF0 && x < 0xF5 {
                guard let c1 = cont(1), let c2 = cont(2), let c3 = cont(3) else { return false }
                let v = UInt32(x & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
                guard v >= 0x10000, v <= 0x10FFFF else { return false }
                let w = v - 0x10000
                out.append(UInt16(0xD800 + (w >> 10))); out.append(UInt16(0xDC00 + (w & 0x3FF))); i += 4
            } else {
                return false
            }
        }
        return true
    }

    /// The string of UTF-16 units; a lone surrogate becomes U+FFFD (as `String(decoding:)`).
    /// - Complexity: O(n)
    static func string(_ u: UnsafeBufferPointer<UInt16>) -> String {
        if u.isEmpty { return "" }
        return String(unsafeUninitializedCapacity: u.count * 3) { out in
            var i = 0, o = 0
            let n = u.count
            while i < n {
                let x = u[i]
                if x < 0x80 {
                    out[o] = UInt8(x); o += 1; i += 1
                } else if x < 0x800 {
                    out[o] = UInt8(0xC0 | (x >> 6)); out[o + 1] = UInt8(0x80 | (x & 0x3F)); o += 2; i += 1
                } else if x >= 0xD800 && x < 0xDC00, i + 1 < n, u[i + 1] >= 0xDC00 && u[i + 1] < 0xE000 {
                    let v = 0x10000 + (UInt32(x - 0xD800) << 10) + UInt32(u[i + 1] - 0xDC00)
                    out[o] = UInt8(0xF0 | (v >> 18)); out[o + 1] = UInt8(0x80 | ((v >> 12) & 0x3F))
                    out[o + 2] = UInt8(0x80 | ((v >> 6) & 0x3F)); out[o + 3] = UInt8(0x80 | (v & 0x3F))
                    o += 4; i += 2
                } else {
                    let v: UInt16 = (x >= 0xD800 && x < 0xE000) ? 0xFFFD : x
                    out[o] = UInt8(0xE0 | (v >> 12)); out[o + 1] = UInt8(0x80 | ((v >> 6) & 0x3F)); out[o + 2] = UInt8(0x80 | (v & 0x3F))
                    o += 3; i += 1
                }
            }
            return o
        }
    }

    static func string(_ u: [UInt16]) -> String { u.withUnsafeBufferPointer { string($0) } }
    static func string(_ u: ArraySlice<UInt16>) -> String { u.withUnsafeBufferPointer { string($0) } }
}
