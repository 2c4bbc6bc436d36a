import Foundation
import XCTest
@testable import StetCRDT

/// Loads the Yjs conformance vectors shipped with the tests (copied from shared/yjs/vectors).
enum Vectors {
    static var directory: URL {
        Bundle.module.url(forResource: "Vectors", withExtension: nil)!
    }

    static func all() throws -> [(name: String, json: [String: Any])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") && $0 != "index.json" }.sorted()
        return try names.map { n in
            let data = try Data(contentsOf: directory.appendingPathComponent(n))
            return (String(n.dropLast(5)), try JSONSerialization.jsonObject(with: data) as! [String: Any])
        }
    }

    static func load(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name + ".json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
}

func hex(_ s: Any?) -> [UInt8] {
    guard let s = s as? String, let b = bytesFromHex(s) else { fatalError("bad hex in vector: \(String(describing: s))") }
    return b
}

/// Compares texts by Unicode scalars (String == uses canonical equivalence).
func XCTAssertScalarsEqual(_ a: String, _ b: String, _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    if Array(a.unicodeScalars) != Array(b.unicodeScalars) {
        XCTFail("texts differ: \(a.debugDescription) vs \(b.debugDescription) \(message())", file: file, line: line)
    }
}

/// Parses our JSON into Foundation objects so it can be compared with a vector's `decoded`.
func foundationJSON(_ j: JSON) -> NSObject {
    let data = j.serialized.data(using: .utf8)!
    return try! JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as! NSObject
}

func stateVectorDict(_ sv: StateVector) -> [UInt64: Int] {
    sv.clocks.filter { $0.value > 0 }
}
