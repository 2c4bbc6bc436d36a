import XCTest
@testable import StetCRDT

/// The small YMap / YArray used for document metadata, and their convergence.
final class MapArrayTests: XCTestCase {
    func testMapLastWriterWinsAndConverges() throws {
        let a = Doc(clientID: 1), b = Doc(clientID: 2)
        var changed: [Set<String>] = []
        b.getMap("meta").observe { changed.append($0) }
        a.getMap("meta").set("title", .string("draft"))
        b.getMap("meta").set("title", .string("final"))
        a.getMap("meta").set("n", .int(3))
        try b.applyUpdate(a.encodeStateAsUpdate(from: b.stateVector))
        try a.applyUpdate(b.encodeStateAsUpdate(from: a.stateVector))
        // Yjs: the higher client id wins a concurrent set of the same key
        XCTAssertEqual(a.getMap("meta").get("title"), .string("final"))
        XCTAssertEqual(b.getMap("meta").get("title"), .string("final"))
        XCTAssertEqual(a.getMap("meta").keys, ["n", "title"])
        XCTAssertTrue(changed.contains { $0.contains("n") })
        a.getMap("meta").delete("n")
        try b.applyUpdate(a.encodeStateAsUpdate(from: b.stateVector))
        XCTAssertNil(b.getMap("meta").get("n"))
        // a nested map round-trips through an update
        a.getMap("meta").map("users").set("42", .string("alice"))
        let c = Doc(clientID: 3)
        try c.applyUpdate(a.encodeStateAsUpdate())
        XCTAssertEqual(c.getMap("meta").map("users").get("42"), .string("alice"))
    }

    func testArrayInsertDeleteConverge() throws {
        let a = Doc(clientID: 1), b = Doc(clientID: 2)
        a.getArray("versions").append([.string("v1"), .string("v2")])
        try b.applyUpdate(a.encodeStateAsUpdate())
        b.getArray("versions").insert([.string("v1.5")], at: 1)
        a.getArray("versions").delete(at: 0, count: 1)
        try b.applyUpdate(a.encodeStateAsUpdate(from: b.stateVector))
        try a.applyUpdate(b.encodeStateAsUpdate(from: a.stateVector))
        XCTAssertEqual(a.getArray("versions").values, [.string("v1.5"), .string("v2")])
        XCTAssertEqual(a.getArray("versions").values, b.getArray("versions").values)
        XCTAssertEqual(a.getArray("versions").count, 2)
    }
}
