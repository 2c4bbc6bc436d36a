import Foundation
import XCTest
import StetCRDT

/// `stet` and `stet yjs …`, run as a subprocess on the Yjs conformance vectors.
final class StetCLITests: XCTestCase {

    // MARK: - stet itself

    func testTheEditorNeedsATerminalAndTouchesNothingWithout() throws {
        let dir = NSTemporaryDirectory() + "stet-cli-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for args in [[], [dir + "/notes.md"]] {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, 1, "\(args)")
            XCTAssertEqual(r.stderr, "stet: standard input and output must be a terminal; run stet in a terminal (the end-to-end tests use tmux)\n")
        }
        // No history store was created for the file that was never opened.
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/.stet"))
        // `stet --help` lists the editor's keys.
        let h = try CLI.run(["--help"])
        for word in ["Ctrl-S", "Ctrl-Q", "F1", ".stet/"] { XCTAssertTrue(h.out.contains(word), "stet --help lacks \(word)") }
    }

    func testVersionAndHelp() throws {
        let v = try CLI.run(["--version"])
        XCTAssertEqual(v.status, 0)
        XCTAssertEqual(v.out, "stet 0.1.0-dev\n")

        let h = try CLI.run(["--help"])
        XCTAssertEqual(h.status, 0)
        for word in ["yjs", "decode", "text", "merge", "diff", "convert", "--hex"] {
            XCTAssertTrue(h.out.contains(word), "stet --help lacks \(word)")
        }
        let y = try CLI.run(["yjs", "--help"])
        XCTAssertEqual(y.status, 0)
        for word in ["decode", "text", "merge", "diff", "convert", "sv"] {
            XCTAssertTrue(y.out.contains(word), "stet yjs --help lacks \(word)")
        }
        let d = try CLI.run(["yjs", "decode", "--help"])
        XCTAssertEqual(d.status, 0)
        XCTAssertTrue(d.out.contains("--v2") && d.out.contains("--auto"), d.out)
    }

    // MARK: - text

    /// The text of every merged and full-state update equals `finalText`, and so does applying
    /// all the individual updates, in their order, from several files.
    func testTextOfMergedFullStateAndAllUpdatesEqualsFinalText() throws {
        let s = try Scratch()
        var checked = 0
        for (name, v) in try CLIVectors.all() {
            guard let final = v["finalText"] as? String else { continue }
            let root = v["rootName"] as? String ?? "text"
            var cases: [(String, [String])] = []
            if let m = v["mergedUpdate"] { cases.append(("merged", [try s.write("\(name).merged", bytes(m))])) }
            for (label, h) in v["fullStateUpdate"] as? [String: String] ?? [:] {
                cases.append(("full state \(label)", [try s.write("\(name).full.\(label)", bytes(h))]))
            }
            let updates = v["updates"] as? [[String: Any]] ?? []
            if !updates.isEmpty {
                cases.append(("all updates", try updates.enumerated().map { try s.write("\(name).u\($0.offset)", bytes($0.element["hex"])) }))
            }
            for (what, files) in cases {
                let r = try CLI.run(["yjs", "text", "--ytext", root] + files)
                XCTAssertEqual(r.status, 0, "\(name) \(what): \(r.stderr)")
                XCTAssertScalars(r.out, final, "\(name) \(what)")
                XCTAssertFalse(r.stderr.contains("incomplete"), "\(name) \(what): \(r.stderr)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 150)
    }

    func testTextPrintsStateVectorAndReadsHexFromStdin() throws {
        let v = try CLIVectors.load("state_vectors_multi_client")
        let merged = v["mergedUpdate"] as! String
        let r = try CLI.run(["yjs", "text", "--sv", "--hex", "-"], stdin: Array((merged + "\n").utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        var lines = r.out.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.last, "")
        lines.removeLast()
        let svLine = String(lines.removeLast())
        XCTAssertScalars(lines.joined(separator: "\n"), v["finalText"] as! String)
        // every client ends with the same state vector: compare with any of them
        let expected = (v["stateVectorDecoded"] as! [String: Any]).values.first as! NSArray
        let ours = parseJSON(Array(svLine.utf8)) as? NSArray
        XCTAssertEqual(ours.map { Set($0.map { $0 as! NSArray }) }, Set(expected.map { $0 as! NSArray }), svLine)
    }

    func testTextWarnsAboutPendingUpdatesAndStillPrints() throws {
        let s = try Scratch()
        let v = try CLIVectors.load("merged_updates_with_gap")
        let u = try (v["updates"] as! [[String: Any]]).enumerated().map { try s.write("u\($0.offset)", bytes($0.element["hex"])) }
        let r = try CLI.run(["yjs", "text", u[0], u[2]])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.out, "aa")
        XCTAssertTrue(r.stderr.hasPrefix("stet yjs text: warning:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("client 1 clocks 4..<6") && r.stderr.contains("client 1 clocks 2...3"), r.stderr)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr)

        // in reverse order everything resolves: no warning
        let all = try CLI.run(["yjs", "text", u[2], u[1], u[0]])
        XCTAssertEqual(all.out, "aabbcc")
        XCTAssertEqual(all.stderr, "")

        // deletions waiting for structs
        let p = try CLIVectors.load("pending_delete_set")
        let pu = try (p["updates"] as! [[String: Any]]).enumerated().map { try s.write("p\($0.offset)", bytes($0.element["hex"])) }
        let onlyDelete = try CLI.run(["yjs", "text", pu.last!])
        XCTAssertEqual(onlyDelete.status, 0)
        XCTAssertTrue(onlyDelete.stderr.contains("warning"), onlyDelete.stderr)
    }

    func testTextNamesTheRootsWhenTheRequestedOneIsMissing() throws {
        let s = try Scratch()
        let f = try s.write("u", bytes(try CLIVectors.load("single_insert")["mergedUpdate"]))
        let r = try CLI.run(["yjs", "text", "--ytext", "prosemirror", f])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.out, "")
        XCTAssertTrue(r.stderr.contains("\"prosemirror\"") && r.stderr.contains("\"text\""), r.stderr)
    }

    // MARK: - merge

    /// `merge` of each vector's updates gives the vector's `mergedUpdate` (made by yrs). yrs
    /// writes delete-set clients ascending where Yjs writes them descending, so where the
    /// merged delete set has several clients the structs must match byte for byte and the
    /// delete set as a set (as in UpdateAlgorithmsTests).
    func testMergeMatchesVectorBytes() throws {
        let s = try Scratch()
        var exact = 0
        var dsOrderOnly: [String] = []
        for (name, v) in try CLIVectors.all() {
            guard let m = v["mergedUpdate"], let updates = v["updates"] as? [[String: Any]] else { continue }
            let files = try updates.enumerated().map { try s.write("\(name).u\($0.offset)", bytes($0.element["hex"])) }
            let out = s.path("\(name).out")
            let r = try CLI.run(["yjs", "merge"] + files + ["-o", out])
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            XCTAssertEqual(r.stderr, "")
            let ours = try s.read("\(name).out"), expected = bytes(m)
            if ours == expected { exact += 1; continue }
            let a = try UpdateV1.decode(ours), b = try UpdateV1.decode(expected)
            XCTAssertEqual(UpdateV1.encode(Update(clients: a.clients)), UpdateV1.encode(Update(clients: b.clients)), "\(name): merged structs differ")
            XCTAssertEqual(a.deleteSet.normalized(), b.deleteSet.normalized(), "\(name): merged delete set differs")
            XCTAssertGreaterThan(b.deleteSet.clients.count, 1, "\(name): differs though its delete set has one client")
            dsOrderOnly.append(name)
        }
        XCTAssertEqual(exact + dsOrderOnly.count, 51)
        XCTAssertTrue(Set(dsOrderOnly).isSubset(of: ["delete_across_item_boundaries", "delete_set_multi_client", "three_clients_concurrent"]), "\(dsOrderOnly)")
    }

    func testMergeV2AndHexToStdout() throws {
        let s = try Scratch()
        let v = try CLIVectors.load("merged_updates_two_clients")
        let updates = (v["updates"] as! [[String: Any]]).map { bytes($0["hex"]) }
        let v2files = try updates.enumerated().map { try s.write("u\($0.offset).v2", UpdateV2.encode(try UpdateV1.decode($0.element))) }
        let r = try CLI.run(["yjs", "merge", "--v2", "--hex-out"] + v2files)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.out, hexString(UpdateV2.encode(try UpdateV1.decode(bytes(v["mergedUpdate"])))) + "\n")

        // the v2 inputs are not v1: a clear error that suggests --v2
        let wrong = try CLI.run(["yjs", "merge"] + v2files + ["-o", s.path("x")])
        XCTAssertOneLineError(wrong, ["byte", "try --v2", v2files[0]])
        XCTAssertFalse(FileManager.default.fileExists(atPath: s.path("x")))

        // a single input is passed through unchanged, as Y.mergeUpdates does
        let one = try CLI.run(["yjs", "merge", "--hex-out", try s.write("one", updates[0])])
        XCTAssertEqual(one.out, hexString(updates[0]) + "\n")
    }

    // MARK: - convert

    /// v1 → v2 → v1 gives back the same bytes for every update of every vector; the v2 bytes
    /// are what StetCRDT's v2 encoder writes, and `decode` detects v2 without being told.
    func testConvertRoundTripsEveryVectorUpdate() throws {
        let s = try Scratch()
        var checked = 0
        for (name, v) in try CLIVectors.all() {
            var inputs: [[UInt8]] = (v["updates"] as? [[String: Any]] ?? []).map { bytes($0["hex"]) }
            if let m = v["mergedUpdate"] { inputs.append(bytes(m)) }
            for h in (v["fullStateUpdate"] as? [String: String] ?? [:]).values.sorted() { inputs.append(bytes(h)) }
            for (i, original) in inputs.enumerated() {
                let v1 = try s.write("\(name).\(i).v1", original)
                let v2 = s.path("\(name).\(i).v2"), back = s.path("\(name).\(i).back")
                let a = try CLI.run(["yjs", "convert", "--to", "v2", v1, "-o", v2])
                XCTAssertEqual(a.status, 0, "\(name) #\(i): \(a.stderr)")
                let b = try CLI.run(["yjs", "convert", "--to", "v1", v2, "-o", back])
                XCTAssertEqual(b.status, 0, "\(name) #\(i): \(b.stderr)")
                XCTAssertEqual(try s.read("\(name).\(i).back"), original, "\(name) #\(i): v1 -> v2 -> v1 changed the bytes")
                XCTAssertEqual(try s.read("\(name).\(i).v2"), UpdateV2.encode(try UpdateV1.decode(original)), "\(name) #\(i)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 300)
    }

    func testConvertThroughPipesAndAutoDetection() throws {
        let v1 = bytes(try CLIVectors.load("formatting_attributes")["mergedUpdate"])
        let toV2 = try CLI.run(["yjs", "convert", "--to", "v2", "-", "-o", "-"], stdin: v1)
        XCTAssertEqual(toV2.status, 0, toV2.stderr)
        XCTAssertEqual(toV2.stdout.first, 0, "v2 starts with its feature flag")
        let back = try CLI.run(["yjs", "convert", "--to", "v1", "--hex-out", "-"], stdin: toV2.stdout)
        XCTAssertEqual(back.out, hexString(v1) + "\n")

        // decode finds v2 by itself and shows the same update as for the v1 bytes
        let d1 = try CLI.run(["yjs", "decode", "-"], stdin: v1)
        let d2 = try CLI.run(["yjs", "decode", "-"], stdin: toV2.stdout)
        XCTAssertEqual(d1.status, 0); XCTAssertEqual(d2.status, 0)
        XCTAssertEqual(d1.out, d2.out)
        XCTAssertTrue(d2.stderr.contains("v2"), d2.stderr)
        XCTAssertTrue(d1.stderr.contains("v1"), d1.stderr)

        // told the wrong format: one line, offset, and the right flag
        let forced = try CLI.run(["yjs", "decode", "--v2", "-"], stdin: v1)
        XCTAssertOneLineError(forced, ["<stdin>", "byte", "try --v1"])
    }

    // MARK: - decode

    /// `decode` output is JSON equal to the vector's `decoded` (structs exactly, the delete set
    /// up to client order); `decode --sv` of every state vector equals `stateVectorDecoded`.
    func testDecodeMatchesVectorDecoded() throws {
        let s = try Scratch()
        var checked = 0
        for (name, v) in try CLIVectors.all() {
            var cases: [(String, [UInt8], Any?)] = []
            for u in v["updates"] as? [[String: Any]] ?? [] { cases.append(("update \(u["update"]!)", bytes(u["hex"]), u["decoded"])) }
            if let m = v["mergedUpdate"] { cases.append(("merged", bytes(m), v["mergedUpdateDecoded"])) }
            let fsd = v["fullStateUpdateDecoded"] as? [String: Any] ?? [:]
            for (label, h) in v["fullStateUpdate"] as? [String: String] ?? [:] { cases.append(("full \(label)", bytes(h), fsd[label])) }
            for (i, (what, data, decoded)) in cases.enumerated() {
                let f = try s.write("\(name).\(i)", data)
                let r = try CLI.run(["yjs", "decode", i % 2 == 0 ? "--v1" : "--auto", f])
                XCTAssertEqual(r.status, 0, "\(name) \(what): \(r.stderr)")
                guard let ours = parseJSON(r.stdout) as? [String: Any], let theirs = decoded as? [String: Any] else {
                    XCTFail("\(name) \(what): no JSON object"); continue
                }
                XCTAssertEqual(ours["structs"] as? NSArray, theirs["structs"] as? NSArray, "\(name) \(what): structs differ")
                XCTAssertEqual(deleteSetKey(ours["deleteSet"]), deleteSetKey(theirs["deleteSet"]), "\(name) \(what): delete set differs")
                checked += 1
            }
            let svd = v["stateVectorDecoded"] as? [String: Any] ?? [:]
            for (label, h) in v["stateVector"] as? [String: String] ?? [:] {
                let r = try CLI.run(["yjs", "decode", "--sv", "--compact", "--hex", "-"], stdin: Array(h.utf8))
                XCTAssertEqual(r.status, 0, "\(name) sv \(label): \(r.stderr)")
                let ours = parseJSON(r.stdout) as? NSArray
                XCTAssertEqual(ours.map { Set($0.map { $0 as! NSArray }) }, Set((svd[label] as! NSArray).map { $0 as! NSArray }), "\(name) sv \(label)")
            }
        }
        XCTAssertGreaterThan(checked, 300)
    }

    func testDecodeDeleteSetAlone() throws {
        let ds = DeleteSet([(client: 7, ranges: [DeleteRange(clock: 2, length: 3)])])
        for (flag, enc) in [("--v1", UpdateV1.encodeDeleteSet(ds)), ("--v2", UpdateV2.encodeDeleteSet(ds))] {
            let r = try CLI.run(["yjs", "decode", "--ds", flag, "--compact", "-"], stdin: enc)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.out, #"[{"client":7,"ranges":[[2,3]]}]"# + "\n")
        }
    }

    // MARK: - diff and sv

    func testDiffAgainstStateVectorVector() throws {
        let s = try Scratch()
        let v = try CLIVectors.load("diff_update_against_state_vector")
        let extra = v["extra"] as! [String: Any]
        let full = try s.write("full", bytes((v["fullStateUpdate"] as! [String: String])["A"]))
        let sv = try s.write("peer.sv", bytes(extra["peerStateVector"]))
        let expected = bytes(extra["diffUpdateHex"])

        let r = try CLI.run(["yjs", "diff", full, "--sv", sv, "-o", s.path("d")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try s.read("d"), expected)

        let inline = try CLI.run(["yjs", "diff", full, "--sv-hex", extra["peerStateVector"] as! String, "--hex-out"])
        XCTAssertEqual(inline.out, hexString(expected) + "\n")

        // v2 in, v2 out
        let full2 = try s.write("full.v2", UpdateV2.encode(try UpdateV1.decode(try s.read("full"))))
        let r2 = try CLI.run(["yjs", "diff", "--v2", full2, "--sv", sv, "-o", "-"])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertEqual(r2.stdout, UpdateV2.encode(try UpdateV1.decode(expected)))

        // the state vector of the update, encoded and as JSON
        let svOut = try CLI.run(["yjs", "sv", full, "--hex-out"])
        XCTAssertEqual(svOut.out, (extra["stateVectorFromUpdate"] as! String) + "\n")
        let svJSON = try CLI.run(["yjs", "sv", "--json", full])
        XCTAssertEqual(svJSON.out, "[[1,11]]\n")

        // a bad state vector: one line naming it
        let bad = try CLI.run(["yjs", "diff", full, "--sv-hex", "05"])
        XCTAssertOneLineError(bad, ["--sv-hex", "byte"])
        let both = try CLI.run(["yjs", "diff", full])
        XCTAssertNotEqual(both.status, 0)
    }

    // MARK: - bad input

    /// Every proper prefix of real updates fails cleanly in every command that reads updates.
    func testTruncatedInputIsOneLineErrorWithOffset() throws {
        let s = try Scratch()
        for name in ["concurrent_insert_middle", "formatting_attributes", "map_any_values", "delete_set_multi_client"] {
            let full = bytes(try CLIVectors.load(name)["mergedUpdate"])
            let v2 = UpdateV2.encode(try UpdateV1.decode(full))
            let cuts = Set([0, 1, 2, full.count / 3, full.count / 2, full.count - 2, full.count - 1])
            for cut in cuts.sorted() where cut < full.count {
                let f = try s.write("\(name).cut\(cut)", Array(full[0..<cut]))
                let label = "\(name) cut at \(cut)/\(full.count)"
                XCTAssertOneLineError(try CLI.run(["yjs", "decode", "--v1", f]), ["byte", f], label)
                XCTAssertOneLineError(try CLI.run(["yjs", "text", "--v1", f]), ["byte", f], label)
                XCTAssertOneLineError(try CLI.run(["yjs", "merge", f, f]), ["byte", f], label)
                XCTAssertOneLineError(try CLI.run(["yjs", "convert", "--to", "v2", "--from", "v1", f]), ["byte"], label)
                let auto = try CLI.run(["yjs", "decode", f])
                XCTAssertFalse(auto.signaled)
                if auto.status != 0 { XCTAssertOneLineError(auto, ["byte"], label) }
            }
            for cut in Set([1, 2, 5, v2.count / 2, v2.count - 1]).sorted() where cut < v2.count {
                let f = try s.write("\(name).v2cut\(cut)", Array(v2[0..<cut]))
                XCTAssertOneLineError(try CLI.run(["yjs", "decode", "--v2", f]), ["byte"], "\(name) v2 cut \(cut)")
                XCTAssertOneLineError(try CLI.run(["yjs", "merge", "--v2", f, f]), ["byte"], "\(name) v2 cut \(cut)")
            }
        }
    }

    /// Random bytes never crash a command; when they are rejected, it is one line with an offset.
    func testGarbageInputNeverCrashes() throws {
        let s = try Scratch()
        var rng = SeededBytes(state: 0x5747_4554)
        var rejected = 0
        for i in 0..<60 {
            var data = rng.bytes(1 + Int(rng.next() % 64))
            if i % 3 == 0 { data[0] = 0 }   // looks like a v2 update (or an empty v1 one)
            let f = try s.write("garbage\(i)", data)
            for args in [["yjs", "decode", f], ["yjs", "text", f], ["yjs", "merge", "--v2", f, f], ["yjs", "convert", "--to", "v1", f]] {
                let r = try CLI.run(args)
                XCTAssertFalse(r.signaled, "seed case \(i) \(args): crashed: \(r.stderr)")
                if r.status != 0 {
                    XCTAssertOneLineError(r, ["byte"], "garbage \(i) \(args) \(hexString(data))")
                    rejected += 1
                }
            }
        }
        XCTAssertGreaterThan(rejected, 200)

        // text that is not an update, and hex that is not hex
        let words = try s.write("words", Array("hello, world\n".utf8))
        XCTAssertOneLineError(try CLI.run(["yjs", "decode", words]), ["byte", "words"])
        XCTAssertOneLineError(try CLI.run(["yjs", "decode", "--hex", words]), ["byte", "not hex"])
        let hexText = try s.write("hex", Array("01010100040104746578740161\n".utf8))
        XCTAssertOneLineError(try CLI.run(["yjs", "text", hexText]), ["byte", "try --hex"])
        XCTAssertOneLineError(try CLI.run(["yjs", "decode", try s.write("empty", [])]), ["byte", "empty"])
    }

    func testMissingFilesAndUnwritableOutput() throws {
        let s = try Scratch()
        let missing = s.path("no-such-file")
        for args in [["yjs", "decode", missing], ["yjs", "text", missing], ["yjs", "merge", missing, missing],
                     ["yjs", "convert", "--to", "v2", missing], ["yjs", "diff", missing, "--sv-hex", "00"], ["yjs", "sv", missing]] {
            XCTAssertOneLineError(try CLI.run(args), ["no-such-file"], "\(args)")
        }
        let u = try s.write("u", bytes(try CLIVectors.load("single_insert")["mergedUpdate"]))
        for out in [s.path("no-such-dir/out"), s.url.path] {
            for args in [["yjs", "merge", u, u, "-o", out], ["yjs", "convert", "--to", "v2", u, "-o", out],
                         ["yjs", "diff", u, "--sv-hex", "00", "-o", out], ["yjs", "sv", u, "-o", out]] {
                XCTAssertOneLineError(try CLI.run(args), ["cannot write"], "\(args)")
            }
        }
        XCTAssertOneLineError(try CLI.run(["yjs", "merge", "-", "-"]), ["standard input"])
    }
}
