#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-level checks on a file's content: binary detection, UTF-8 validation with the position
/// of the first bad byte, and line-ending statistics. All are single passes over the bytes.
enum TextScan {
    /// Offset of the first NUL byte among the first `limit` bytes, if any.
    static func firstNUL(_ b: UnsafeBufferPointer<UInt8>, limit: Int) -> Int? {
        let n = min(b.count, limit)
        var i = 0
        while i < n {
            if b[i] == 0 { return i }
            i += 1
        }
        return nil
    }

    /// Offset of the first byte of the first ill-formed UTF-8 sequence (Unicode Table 3-7:
    /// no overlongs, no surrogates, nothing above U+10FFFF, no truncated sequences), or nil.
    /// - Complexity: O(n).
    static func firstInvalidUTF8(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = b.count
        var i = 0
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            var need = 0
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F
            case 0xF0: need = 3; lo = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F
            default: return i
            }
            if i + need >= n { return i }  // truncated at end of file
            let c1 = b[i + 1]
            if c1 < lo || c1 > hi { return i }
            var k = 2
            while k <= need {
                let ck = b[i + k]
                if ck < 0x80 || ck > 0xBF { return i }
                k += 1
            }
            i += need + 1
        }
        return nil
    }

    /// 1-based line and 1-based byte column of `offset`, counting `\n` as the line break.
    static func lineAndColumn(_ b: UnsafeBufferPointer<UInt8>, offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for i in 0..<min(offset, b.count) where b[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return (line, offset - lineStart + 1)
    }

    /// Counts of `\r\n` and of `\n` not preceded by `\r`. A lone `\r` is not a line break here.
    /// - Complexity: O(n), using `memchr` to jump between line feeds.
    static func lineBreaks(_ b: UnsafeBufferPointer<UInt8>) -> (lf: Int, crlf: Int) {
        guard let base = b.baseAddress else { return (0, 0) }
        var lf = 0, crlf = 0
        var i = 0
        while i < b.count, let hit = memchr(base + i, 0x0A, b.count - i) {
            let at = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
            if at > 0 && base[at - 1] == 0x0D { crlf += 1 } else { lf += 1 }
            i = at + 1
        }
        return (lf, crlf)
    }
}
