// The fuzz harness and its regression tests, in one file so that both run the same code.
//
// This file is compiled twice:
//   - by the root package's StetCRDTTests target: `FuzzRegressionTests` feeds every file of
//     Fixtures/fuzz/ (inputs the fuzzer once crashed on) through `FuzzHarness.run`;
//   - by the nested Fuzz/ package (Fuzz/Sources/StetFuzz/FuzzHarness.swift is a symlink to this
//     file), whose LLVMFuzzerTestOneInput calls `FuzzHarness.run`. That build defines
//     STET_FUZZ_TARGET, which hides the XCTest part.
//
// Input layout: the first byte selects the mode (`byte % FuzzHarness.Mode.allCases.count`),
// the rest is the payload. See Fuzz/README.md.

import StetCRDT
#if !STET_FUZZ_TARGET
import XCTest
import Foundation
#endif

/// A property the harness checks (beyond "does not trap") did not hold.
struct FuzzViolation: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

enum FuzzHarness {
    enum Mode: UInt8, CaseIterable {
        case v1Decode = 0        // UpdateV1.decode; v1 re-encode decodes to the same value, v2 encode decodes
        case v2Decode            // UpdateV2.decode; re-encode must decode and be a fixpoint
        case stateVector         // StateVector.decode; re-encode round-trips
        case deleteSetV1         // UpdateV1.decodeDeleteSet; re-encode round-trips
        case deleteSetV2         // UpdateV2.decodeDeleteSet; re-encode round-trips
        case relativePosition    // RelativePosition.decode
        case v1Apply             // decode v1, apply twice, encode state, decode it, apply to a fresh doc;
                                 // applyUpdate(bytes) must leave the same document
        case v2Apply             // the same from a v2 update
        case multiApply          // several v1 updates (varUint8Array each) applied in order and reversed,
                                 // as values and as bytes
        case mergeDiff           // several v1 updates: merge, diff, implied state vector
        case snapshot            // Snapshot.decode; re-encode round-trips; view of a small doc at it
    }

    enum Outcome: Equatable {
        case ok             // decoded (and applied) without error
        case rejected       // a decoder threw Lib0DecodingError / ApplyError
    }

    /// Runs one input. Traps inside StetCRDT are the bugs the fuzzer looks for; expected
    /// rejections come back as `.rejected`; a broken round-trip property throws `FuzzViolation`.
    static func run(_ data: [UInt8]) throws -> Outcome {
        guard let first = data.first else { return .ok }
        let mode = Mode(rawValue: first % UInt8(Mode.allCases.count))!
        let p = Array(data.dropFirst())
        do {
            try run(mode, p)
            return .ok
        } catch is Lib0DecodingError {
            return .rejected
        } catch is ApplyError {
            return .rejected
        }
    }

    static func run(_ mode: Mode, _ p: [UInt8]) throws {
        switch mode {
        case .v1Decode:
            try checkV1(try UpdateV1.decode(p))
        case .v2Decode:
            let u = try UpdateV2.decode(p)
            if skipKnownOpen, knownOpenV2Mismatch(u) != nil { return }
            let e1 = UpdateV2.encode(u)
            let u2 = try redecode("v2 re-encode") { try UpdateV2.decode(e1) }
            let e2 = UpdateV2.encode(u2)
            guard e1 == e2 else { throw FuzzViolation("v2 encode is not a fixpoint after one round-trip") }
            _ = try redecode("v1 encode of a v2 update") { try UpdateV1.decode(UpdateV1.encode(u)) }
        case .stateVector:
            let sv = try StateVector.decode(p)
            let back = try redecode("state vector re-encode") { try StateVector.decode(sv.encoded()) }
            guard back == sv else { throw FuzzViolation("state vector changed in a round-trip") }
        case .deleteSetV1:
            let ds = try UpdateV1.decodeDeleteSet(p)
            let back = try redecode("v1 delete set re-encode") { try UpdateV1.decodeDeleteSet(UpdateV1.encodeDeleteSet(ds)) }
            guard back == ds else { throw FuzzViolation("v1 delete set changed in a round-trip") }
        case .deleteSetV2:
            let ds = try UpdateV2.decodeDeleteSet(p)
            let back = try redecode("v2 delete set re-encode") { try UpdateV2.decodeDeleteSet(UpdateV2.encodeDeleteSet(ds)) }
            guard back == ds.normalized() || back == ds else { throw FuzzViolation("v2 delete set changed in a round-trip") }
        case .relativePosition:
            let rp = try RelativePosition.decode(p)
            let back = try redecode("relative position re-encode") { try RelativePosition.decode(rp.encoded()) }
            guard back == rp else { throw FuzzViolation("relative position changed in a round-trip") }
            _ = smallDoc().absolutePosition(rp)
        case .snapshot:
            let snap = try Snapshot.decode(p)
            let back = try redecode("snapshot re-encode") { try Snapshot.decode(snap.encoded()) }
            guard back.stateVector == snap.stateVector, back.deleteSet.normalized() == snap.deleteSet.normalized() else {
                throw FuzzViolation("snapshot changed in a round-trip")
            }
            let d = smallDoc()
            _ = d.text("text", at: snap)
            _ = d.document(at: snap, clientID: 3).getText("text").string
        case .v1Apply:
            let u: Update
            do { u = try UpdateV1.decode(p) } catch let e as Lib0DecodingError {
                // The bytes entry point (with its fast path) must reject it too, changing nothing.
                if skipKnownOpen, knownOpenRejectedBytes(p) != nil { throw e }
                let d = Doc(clientID: 1)
                do {
                    try d.applyUpdate(p)
                    throw FuzzViolation("applyUpdate accepts bytes UpdateV1.decode rejects (\(e))")
                } catch is Lib0DecodingError {}
                guard d.stateVector.clocks.isEmpty, !d.hasPending else {
                    throw FuzzViolation("a rejected applyUpdate changed the document")
                }
                throw e
            }
            try checkApply([u], bytes: [p])
        case .v2Apply:
            try checkApply([try UpdateV2.decode(p)])
        case .multiApply:
            let valid = chunks(p).compactMap { b in (try? UpdateV1.decode(b)).map { (b, $0) } }
            try checkApply(valid.map(\.1), bytes: valid.map(\.0))
            try checkApply(valid.reversed().map(\.1), bytes: valid.reversed().map(\.0))
        case .mergeDiff:
            let us = chunks(p).compactMap { try? UpdateV1.decode($0) }
            guard !us.isEmpty else { return }
            let merged = Update.merge(us)
            let bytes = UpdateV1.encode(merged)
            let back = try redecode("v1 encode of a merged update") { try UpdateV1.decode(bytes) }
            let sv = us[0].impliedStateVector
            _ = UpdateV1.encode(back.diff(against: sv))
            _ = UpdateV1.encode(merged.diff(against: merged.impliedStateVector))
            _ = UpdateAlgorithms.stateVectorEntries(of: merged)
            _ = UpdateAlgorithms.mergeDeleteSets(us.map(\.deleteSet))
        }
    }

    /// A document with a little history: "hello world" typed by two clients, partly deleted.
    static func smallDoc() -> Doc {
        let d = Doc(clientID: 7)
        let t = d.getText("text")
        t.insert("hello", at: 0)
        let e = Doc(clientID: 8)
        e.apply(d.stateAsUpdate())
        e.getText("text").insert(" world", at: 5)
        d.apply(e.stateAsUpdate())
        t.delete(at: 1, count: 2)
        return d
    }

    /// Decoding what StetCRDT itself encoded must not fail.
    static func redecode<T>(_ what: String, _ f: () throws -> T) throws -> T {
        do { return try f() } catch let e as Lib0DecodingError {
            throw FuzzViolation("\(what) does not decode: \(e)")
        }
    }

    static func checkV1(_ u: Update) throws {
        let back = try redecode("v1 re-encode") { try UpdateV1.decode(UpdateV1.encode(u)) }
        guard back == u else { throw FuzzViolation("v1 update changed in a round-trip") }
        if skipKnownOpen, knownOpenV2Mismatch(u) != nil { return }
        _ = try redecode("v2 encode of a v1 update") { try UpdateV2.decode(UpdateV2.encode(u)) }
    }



    /// Splits a payload into varUint8Array chunks (what is left at a malformed length is dropped).
    static func chunks(_ p: [UInt8]) -> [[UInt8]] {
        var d = Lib0Decoder(p)
        var out: [[UInt8]] = []
        while d.remaining > 0, out.count < 16, let c = try? d.readVarBytes() { out.append(c) }
        return out
    }

    static func rootNames(_ us: [Update]) -> Set<String> {
        var names: Set<String> = ["text"]
        for u in us {
            for cs in u.clients {
                for s in cs.structs {
                    if case .item(let it) = s, case .root(let name)? = it.parent { names.insert(name) }
                }
            }
        }
        return names
    }

    /// Set by the fuzz target when STET_FUZZ_SKIP_KNOWN=1: inputs that hit a crash already
    /// reported (a fixture in Fixtures/fuzz/) are skipped, so a long run can find the next bug
    /// instead of the same one again. The regression tests never skip.
    nonisolated(unsafe) static var skipKnownOpen = false

    /// Open (unfixed) crashes, each recognised by a cheap predicate on the decoded updates,
    /// e.g. `if case .gc(_, 0) = s { return "gc-zero-length" }`. Remove an entry once its
    /// fixture passes. Empty: every crash found so far is fixed (a96a8b8).
    static func knownOpenCrash(_ updates: [Update]) -> String? { nil }

    /// Open crashes of the local edit that follows the updates (see knownOpenCrash).
    static func knownOpenLocalEdit(_ updates: [Update]) -> String? { nil }

    /// Open crashes of `applyUpdate` on bytes UpdateV1.decode rejects (see knownOpenCrash).
    /// Empty: fastload-string-length-past-end (a length one byte past the end) is fixed.
    static func knownOpenRejectedBytes(_ p: [UInt8]) -> String? { nil }

    /// Open v1/v2 inconsistencies (see knownOpenCrash). Empty: the v2-*-v1-undecodable
    /// fixtures pass since fb0b830/7059f85.
    static func knownOpenV2Mismatch(_ u: Update) -> String? { nil }

    /// Applies `updates` to a fresh document, then again; the document's full state must decode
    /// and rebuild a document with the same state vector; then a local edit.
    static func checkApply(_ updates: [Update], bytes: [[UInt8]]? = nil) throws {
        if skipKnownOpen, knownOpenCrash(updates) != nil || updates.contains(where: { knownOpenV2Mismatch($0) != nil }) { return }
        let a = Doc(clientID: 1)
        for u in updates { a.apply(u); a.checkInvariants() }
        if let bytes {
            // `applyUpdate(bytes)` (which has a fast path for the common shape) must leave the
            // same document as `apply(UpdateV1.decode(bytes))`.
            let f = Doc(clientID: 1)
            for b in bytes {
                do { try f.applyUpdate(b) } catch {
                    throw FuzzViolation("applyUpdate rejects bytes UpdateV1.decode accepts: \(error)")
                }
                f.checkInvariants()
            }
            guard f.encodeStateAsUpdate() == a.encodeStateAsUpdate(), f.clientID == a.clientID else {
                throw FuzzViolation("applyUpdate(bytes) and apply(UpdateV1.decode(bytes)) leave different documents")
            }
        }
        let sv1 = a.stateVector
        // Applying again may integrate more (not a violation): pending structs remember only the
        // clock that blocked the head of the dependency stack, as in Yjs, so a struct whose own
        // dependency arrives later can stay pending until re-sent
        // (fixture pending-resolved-only-by-reapply.bin).
        for u in updates { a.apply(u); a.checkInvariants() }
        for (c, k) in sv1.clocks where a.state(of: c) < k {
            throw FuzzViolation("applying the same updates again lowered the state of client \(c)")
        }
        _ = try redecode("encodeStateVector") { try StateVector.decode(a.encodeStateVector()) }

        let full = a.encodeStateAsUpdate()
        let u = try redecode("encodeStateAsUpdate") { try UpdateV1.decode(full) }
        let b = Doc(clientID: 2)
        b.apply(u)
        b.checkInvariants()
        // Only without pending structs: with them, hostile duplicate structs (two different
        // structs for one clock) make the fresh doc differ both ways, exactly as in Yjs. A
        // present duplicate naming a missing origin still parks the rest of its client
        // (fixture present-duplicate-with-missing-origin-blocks-pending.bin: the fresh doc gets
        // more), and merging the pending structs into the full state lets a longer pending
        // duplicate replace integrated content, as Yjs's mergeUpdates does
        // (pending-duplicate-overrides-integrated-in-full-state.bin: the fresh doc gets less).
        guard a.hasPending || b.stateVector == a.stateVector else {
            throw FuzzViolation("a fresh doc given the full state has state vector \(b.stateVector.clocks), the source \(a.stateVector.clocks) (source pending: \(a.hasPending))")
        }
        // The texts are read but not compared: hostile origins (e.g. origin == right origin,
        // fixture origin-equals-right-origin.bin) make Yjs itself order differently once the
        // items have been merged, so equality is not a property of hostile input.
        for name in rootNames(updates).sorted() {
            _ = a.getText(name).string
            _ = b.getText(name).string
        }
        _ = try redecode("encodeStateAsUpdate from a state vector") { try UpdateV1.decode(b.encodeStateAsUpdate(from: sv1)) }
        // Relative positions, snapshots and the document at a snapshot on whatever arrived.
        let text = a.getText("text")
        for i in Set([0, text.length / 2, text.length]) {
            let rp = text.relativePosition(at: i)
            _ = try redecode("encoded relative position") { try RelativePosition.decode(rp.encoded()) }
            if let abs = a.absolutePosition(rp), abs.index != i {
                throw FuzzViolation("relative position of index \(i) resolves to \(abs.index)")
            }
        }
        let snap = a.snapshot()
        _ = try redecode("encoded snapshot") { try Snapshot.decode(snap.encoded()) }
        _ = a.text("text", at: snap)
        a.document(at: snap, clientID: 3).checkInvariants()

        // A local edit on top of whatever arrived.
        if skipKnownOpen, knownOpenLocalEdit(updates) != nil { return }
        let t = a.getText("text")
        t.insert("x", at: min(1, t.length))
        t.delete(at: 0, count: min(2, t.length))
        a.checkInvariants()
        _ = try redecode("encodeStateAsUpdate after a local edit") { try UpdateV1.decode(a.encodeStateAsUpdate()) }
    }
}

#if !STET_FUZZ_TARGET
/// Every input the fuzzer ever crashed on (Tests/StetCRDTTests/Fixtures/fuzz/, raw bytes, first
/// byte = mode) must now be rejected with a decoding/apply error or succeed, without trapping.
///
/// On Linux each fixture runs in a child process (this test binary again, with
/// STET_FUZZ_FIXTURE set), so a fixture that still traps fails its own assertion instead of
/// killing the whole test run. Elsewhere the fixtures run in-process.
final class FuzzRegressionTests: XCTestCase {
    static let childVariable = "STET_FUZZ_FIXTURE"

    static var fixturesDir: URL? {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)?.appendingPathComponent("fuzz")
    }

    func fixtureFiles() throws -> [URL] {
        let dir = try XCTUnwrap(Self.fixturesDir, "Fixtures/fuzz is not in the test bundle")
        let files = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
        return files.filter { $0.pathExtension == "bin" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    func runInProcess(_ f: URL) throws {
        let data = [UInt8](try Data(contentsOf: f))
        do {
            _ = try FuzzHarness.run(data)
        } catch {
            XCTFail("\(f.lastPathComponent): \(error)")
        }
    }

    func testFixturesDoNotCrash() throws {
        if let one = ProcessInfo.processInfo.environment[Self.childVariable] {
            try runInProcess(URL(fileURLWithPath: one))   // child: one fixture
            return
        }
        let files = try fixtureFiles()
        XCTAssertFalse(files.isEmpty, "no fuzz fixtures found")
        #if os(Linux)
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0])
        for f in files {
            let p = Process()
            p.executableURL = testBinary
            p.arguments = ["StetCRDTTests.FuzzRegressionTests/testFixturesDoNotCrash"]
            var env = ProcessInfo.processInfo.environment
            env[Self.childVariable] = f.path
            env["SWIFT_BACKTRACE"] = "enable=no"
            p.environment = env
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            try p.run()
            let log = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            if p.terminationReason != .exit || p.terminationStatus != 0 {
                let why = log.split(separator: "\n").filter {
                    $0.contains("Fatal error") || $0.contains("failed") || $0.contains("error:")
                }.prefix(4).joined(separator: "\n")
                XCTFail("\(f.lastPathComponent) crashed or failed (\(p.terminationReason == .exit ? "exit" : "signal") \(p.terminationStatus)):\n\(why)")
            }
        }
        #else
        for f in files { try runInProcess(f) }
        #endif
    }

    /// The harness itself accepts a real update in every mode without a violation.
    func testHarnessAcceptsARealUpdateInEveryMode() throws {
        let d = Doc(clientID: 7)
        d.getText("text").insert("hello", at: 0)
        d.getText("text").delete(at: 1, count: 2)
        let v1 = d.encodeStateAsUpdate()
        var e = Lib0Encoder()
        e.writeVarBytes(v1)
        e.writeVarBytes(v1)
        for mode in FuzzHarness.Mode.allCases {
            let payload: [UInt8]
            switch mode {
            case .v2Decode, .v2Apply: payload = UpdateV2.encode(try UpdateV1.decode(v1))
            case .stateVector: payload = d.encodeStateVector()
            case .deleteSetV1: payload = UpdateV1.encodeDeleteSet(d.deleteSet)
            case .deleteSetV2: payload = UpdateV2.encodeDeleteSet(d.deleteSet)
            case .multiApply, .mergeDiff: payload = e.bytes
            case .relativePosition: payload = d.getText("text").relativePosition(at: 2).encoded()
            case .snapshot: payload = d.snapshot().encoded()
            default: payload = v1
            }
            XCTAssertEqual(try FuzzHarness.run([mode.rawValue] + payload), .ok, "\(mode)")
        }
    }

    /// A malformed input is rejected, not reported as a violation.
    func testMalformedInputIsRejected() throws {
        XCTAssertEqual(try FuzzHarness.run([FuzzHarness.Mode.v1Decode.rawValue, 0x05]), .rejected)
        XCTAssertEqual(try FuzzHarness.run([FuzzHarness.Mode.v1Apply.rawValue, 0x01, 0x01]), .rejected)
        XCTAssertEqual(try FuzzHarness.run([]), .ok)
    }
}
#endif
