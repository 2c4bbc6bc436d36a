@testable import StetCRDT
import XCTest

/// The hand-written UTF-8/UTF-16 loops against the standard library's transcoders.
final class TranscodingTests: XCTestCase {
    func testAgreesWithTheStandardLibrary() {
        let seed = ProcessInfoShim.env("STET_SEED").flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("TranscodingTests seed: \(seed)")
        var g = SplitMix(seed: seed)
        let pool: [UInt16] = [0x41, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xFFFD, 0x20AC, 0x6F22, 0x0A]
        for _ in 0..<2_000 {
            let units = (0..<Int(g.next() % 12)).map { _ in pool[Int(g.next() % UInt64(pool.count))] }
            XCTAssertEqual(UTF16Transcoding.string(units), String(decoding: units, as: UTF16.self), "seed \(seed): \(units)")
            // Valid strings round-trip through the UTF-8 → UTF-16 writers.
            let s = String(decoding: units, as: UTF16.self)
            let expected = Array(s.utf16)
            var copy = s
            copy.withUTF8 { b in
                XCTAssertEqual(UTF16Transcoding.utf16Count(validUTF8: b), expected.count)
                var out = [UInt16](repeating: 0, count: expected.count)
                out.withUnsafeMutableBufferPointer { UTF16Transcoding.write(validUTF8: b, to: $0.baseAddress!) }
                XCTAssertEqual(out, expected)
                var decoded: [UInt16] = []
                XCTAssertTrue(UTF16Transcoding.decode(b, appendingTo: &decoded))
                XCTAssertEqual(decoded, expected)
            }
        }
        // Random bytes: the validating decoder accepts exactly what the standard library accepts.
        for _ in 0..<5_000 {
            let bytes = (0..<Int(g.next() % 8)).map { _ in UInt8(truncatingIfNeeded: g.next()) | (g.next() % 3 == 0 ? 0x80 : 0) }
            var mine: [UInt16] = []
            let ok = bytes.withUnsafeBufferPointer { UTF16Transcoding.decode($0, appendingTo: &mine) }
            var theirs: [UInt16] = []
            let failed = transcode(bytes.makeIterator(), from: UTF8.self, to: UTF16.self, stoppingOnError: true) { theirs.append($0) }
            XCTAssertEqual(ok, !failed, "seed \(seed): \(bytes)")
            if ok { XCTAssertEqual(mine, theirs, "seed \(seed): \(bytes)") }
        }
    }
}
