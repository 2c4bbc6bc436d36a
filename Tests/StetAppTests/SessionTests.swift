@testable import StetApp
import StetCRDT
import StetEditor
import StetStore
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class SessionTests: XCTestCase {
    var dir = ""
    var nextID: ClientID = 100

    override func setUp() {
        var template = Array("/tmp/stet-session-XXXXXX".utf8CString)
        dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    override func tearDown() {
        _ = dir.withCString { system("rm -rf '\(String(cString: $0))'") }
    }

    func open(_ name: String) throws -> Session {
        nextID += 1
        let id = nextID
        return try Session(path: dir + "/" + name, clientID: id, newClientID: { [unowned self] in self.nextID += 1; return self.nextID }, now: { 0 })
    }

    func write(_ name: String, _ text: String) {
        let fp = fopen(dir + "/" + name, "wb")!
        fputs(text, fp)
        fclose(fp)
    }

    func read(_ name: String) -> String? { readText(atPath: dir + "/" + name) }

    func type(_ s: Session, _ keys: [Event]) -> Bool {
        var quit = false
        for k in keys { quit = s.perform(s.editor.handle(k)) || quit }
        return quit
    }

    func chars(_ text: String) -> [Event] { text.map { .key(KeyEvent(.char($0))) } }
    let save = Event.key(KeyEvent(.char("s"), .ctrl))
    let quit = Event.key(KeyEvent(.char("q"), .ctrl))

    func testNewFileTypeSaveReopen() throws {
        let s = try open("notes.md")
        XCTAssertEqual(s.notices, ["new file: Ctrl-S creates it"])
        XCTAssertFalse(type(s, chars("hello")))
        XCTAssertNil(read("notes.md"))
        XCTAssertFalse(type(s, [save]))
        XCTAssertEqual(read("notes.md"), "hello")
        XCTAssertTrue(type(s, [quit]))
        s.close()
        let again = try open("notes.md")
        XCTAssertEqual(again.editor.buffer.string, "hello")
        XCTAssertFalse(again.editor.isModified)
        XCTAssertEqual(again.notices, [])
        // Undo reaches the previous session's typing.
        _ = type(again, [.key(KeyEvent(.char("z"), .ctrl))])
        XCTAssertEqual(again.editor.buffer.string, "")
    }

    func testLineEndingsAndMissingFinalNewlineArePreserved() throws {
        write("w.txt", "one\r\ntwo\r\nthree")
        let s = try open("w.txt")
        XCTAssertEqual(s.editor.settings.lineBreak, "\r\n")
        s.editor.setCursor(.zero)
        _ = type(s, [.key(KeyEvent(.end)), .key(KeyEvent(.enter))] + chars("x") + [save])
        XCTAssertEqual(read("w.txt"), "one\r\nx\r\ntwo\r\nthree")
        s.close()
    }

    func testUnsavedEditsSurviveAKilledSession() throws {
        write("k.txt", "base\n")
        do {
            let s = try open("k.txt")
            _ = type(s, chars("typed "))
            // No close(), no save: the process "dies" here (the store lock goes with it).
            s.store?.close()
        }
        let s = try open("k.txt")
        XCTAssertEqual(s.editor.buffer.string, "typed base\n")
        XCTAssertTrue(s.editor.isModified)
        XCTAssertEqual(s.notices.count, 1)
        XCTAssertTrue(s.notices[0].hasPrefix("recovered unsaved edits"), s.notices[0])
        XCTAssertEqual(read("k.txt"), "base\n")
    }

    func testOutsideChangesMergeWithUnsavedEdits() throws {
        write("m.txt", "alpha\nbeta\ngamma\n")
        do {
            let s = try open("m.txt")
            _ = type(s, chars(">> "))  // unsaved, at the start
            s.close()
        }
        // Another program rewrites the file: beta becomes BETA and a line is added.
        usleep(10_000)
        write("m.txt", "alpha\nBETA\ngamma\ndelta\n")
        let s = try open("m.txt")
        XCTAssertEqual(s.editor.buffer.string, ">> alpha\nBETA\ngamma\ndelta\n")
        XCTAssertTrue(s.notices.contains { $0.contains("changed on disk") }, "\(s.notices)")
        XCTAssertTrue(s.editor.isModified)
        // The outside change is not the user's to undo; the user's typing is.
        _ = type(s, [.key(KeyEvent(.char("z"), .ctrl))])
        XCTAssertEqual(s.editor.buffer.string, "alpha\nBETA\ngamma\ndelta\n")
        // While running: another change on disk is merged on the next idle check.
        usleep(10_000)
        write("m.txt", "alpha\nBETA\ngamma\ndelta\nepsilon\n")
        s.idle()
        XCTAssertEqual(s.editor.buffer.string, "alpha\nBETA\ngamma\ndelta\nepsilon\n")
        XCTAssertFalse(s.editor.isModified)
        s.close()
    }

    func testRefusesBinaryAndInvalidFilesAndLeavesThemAlone() throws {
        let bp = fopen(dir + "/bin", "wb")!
        fwrite(Array("abc\u{0}def".utf8), 1, 7, bp)
        fclose(bp)
        XCTAssertThrowsError(try open("bin")) { e in
            XCTAssertTrue("\(e)".contains("binary"), "\(e)")
        }
        let fp = fopen(dir + "/latin1.txt", "wb")!
        fwrite([0x63, 0x61, 0x66, 0xE9, 0x0A] as [UInt8], 1, 5, fp)
        fclose(fp)
        XCTAssertThrowsError(try open("latin1.txt")) { e in
            XCTAssertTrue("\(e)".contains("iconv"), "\(e)")
        }
        XCTAssertThrowsError(try Session(path: dir, clientID: 1, newClientID: { 2 }, now: { 0 }))
        XCTAssertEqual(read("bin"), "abc\u{0}def")
    }

    func testASecondSessionOnTheSameFileIsRefused() throws {
        let s = try open("two.txt")
        XCTAssertThrowsError(try open("two.txt")) { e in
            XCTAssertTrue("\(e)".contains("another stet"), "\(e)")
        }
        s.close()
        XCTAssertNoThrow(try open("two.txt"))
    }

    func testSaveAsMovesTheHistory() throws {
        let s = try Session(path: nil, clientID: 9, newClientID: { 10 }, now: { 0 })
        _ = type(s, chars("scratch"))
        _ = type(s, [save] + chars(dir + "/named.txt") + [.key(KeyEvent(.enter))])
        XCTAssertEqual(read("named.txt"), "scratch")
        XCTAssertEqual(s.editor.path, dir + "/named.txt")
        s.close()
        let again = try open("named.txt")
        XCTAssertEqual(again.editor.buffer.string, "scratch")
        XCTAssertFalse(again.editor.isModified)
    }
}

/// A file in a place that cannot hold a history (read-only folder or disk) still opens.
final class ReadOnlyPlaceTests: XCTestCase {
    func testAFileInAReadOnlyPlaceOpensWithoutHistory() throws {
        var template = Array("/tmp/stet-ro-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer { _ = system("umount '\(dir)' 2>/dev/null; chmod -R u+w '\(dir)'; rm -rf '\(dir)'") }
        let file = dir + "/ro.txt"
        if getuid() == 0 {
            // Root ignores permissions: a read-only tmpfs is what root cannot write to.
            guard system("mount -t tmpfs -o size=64k none '\(dir)' 2>/dev/null") == 0 else {
                print("cannot mount a tmpfs here; checking the classification of the errors instead")
                XCTAssertEqual(Session.unwritable, [EACCES, EPERM, EROFS])
                return
            }
            XCTAssertEqual(system("printf 'read only\\n' > '\(file)' && mount -o remount,ro '\(dir)'"), 0)
        } else {
            XCTAssertEqual(system("printf 'read only\\n' > '\(file)' && chmod 0555 '\(dir)'"), 0)
        }
        let s = try Session(path: file, clientID: 1, newClientID: { 2 }, now: { 0 })
        XCTAssertEqual(s.editor.buffer.string, "read only\n")
        XCTAssertNil(s.store)
        XCTAssertTrue(s.notices.first?.hasPrefix("no history is kept") ?? false, "\(s.notices)")
        // Saving fails with a message that says why, and nothing is lost from the buffer.
        s.editor.type("x")
        XCTAssertFalse(s.save(to: file))
        XCTAssertTrue(s.editor.message?.isError ?? false)
        XCTAssertEqual(s.editor.buffer.string, "xread only\n")
    }
}

extension Editor {
    func type(_ s: String) { for c in s { _ = handle(.key(KeyEvent(.char(c)))) } }
}

/// The file's bytes as UTF-8 text (nil if it cannot be opened).
func readText(atPath path: String) -> String? {
    guard let fp = fopen(path, "rb") else { return nil }
    defer { fclose(fp) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buf, 1, buf.count, fp)
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

final class IdentityTests: XCTestCase {
    func testNameComesFromTheFirstSourceThatHasOne() {
        XCTAssertEqual(Identity.resolve(flag: "Ann", environment: ["STET_NAME": "Bob", "USER": "carl"], gitUserName: "Dora").name, "Ann")
        XCTAssertEqual(Identity.resolve(flag: nil, environment: ["STET_NAME": "Bob", "USER": "carl"], gitUserName: "Dora").name, "Bob")
        XCTAssertEqual(Identity.resolve(flag: " ", environment: ["USER": "carl"], gitUserName: "Dora Q.\n").name, "Dora Q.")
        XCTAssertEqual(Identity.resolve(flag: nil, environment: ["USER": "carl"], gitUserName: nil).name, "carl")
        XCTAssertEqual(Identity.resolve(flag: nil, environment: [:], gitUserName: nil).name, "anonymous")
    }

    func testColourIsStableAndSpreadOverTheSlots() {
        XCTAssertEqual(Identity(name: "Ann"), Identity(name: "Ann"))
        let slots = Set(["Ann", "Bob", "Carl", "Dora", "Eve", "Fay", "Gus", "Hal", "Ida", "Jon", "Kim", "Lou"].map { Identity(name: $0).colorSlot })
        XCTAssertGreaterThanOrEqual(slots.count, 5)
        let a = Identity(name: "Ann")
        XCTAssertEqual(Identity.palette[Int(a.colorSlot)], a.color)
        XCTAssertEqual(Identity.slot(forColor: a.color.uppercased(), clientID: 3), a.colorSlot)
        XCTAssertEqual(Identity.slot(forColor: "#30bced", clientID: 11), 3)
    }
}

/// A second stet on the same file joins the first, and takes the history over when it leaves.
final class JoiningTests: XCTestCase {
    func testAJoinedSessionAdoptsTheStoreWhenTheHostLeaves() throws {
        var template = Array("/tmp/stet-join-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer { _ = system("rm -rf '\(dir)'") }
        let file = dir + "/pair.txt"
        _ = system("printf 'shared\\n' > '\(file)'")
        let host = try Session(path: file, clientID: 1, newClientID: { 50 }, now: { 0 })
        // The second one cannot take the history: it joins.
        XCTAssertThrowsError(try Session(path: file, clientID: 2, newClientID: { 51 }, now: { 0 }))
        let guest = try Session(path: file, clientID: 2, newClientID: { 51 }, joining: true, now: { 0 })
        XCTAssertFalse(guest.hasStore)
        XCTAssertFalse(try guest.adoptStore())  // the host still holds it
        // What the sync protocol would carry: the host's state, then the guest's edit.
        try guest.doc.applyUpdate(host.doc.encodeStateAsUpdate(), origin: "sync")
        XCTAssertEqual(guest.editor.buffer.string, "shared\n")
        XCTAssertFalse(guest.editor.isModified)
        guest.editor.setCursor(.zero)
        _ = guest.editor.handle(.key(KeyEvent(.char("!"))))
        // The guest never merges the file on disk into the shared text, even if it differs.
        XCTAssertFalse(guest.checkDisk())
        host.close()
        XCTAssertTrue(try guest.adoptStore())
        XCTAssertTrue(guest.hasStore)
        guest.close()
        let again = try Session(path: file, clientID: 3, newClientID: { 52 }, now: { 0 })
        XCTAssertEqual(again.editor.buffer.string, "!shared\n")
        XCTAssertTrue(again.notices.first?.hasPrefix("recovered unsaved edits") ?? false, "\(again.notices)")
    }

    func testAJoinedSessionsModifiedFlagFollowsSavesByTheOthers() throws {
        var template = Array("/tmp/stet-join-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer { _ = system("rm -rf '\(dir)'") }
        let file = dir + "/pair.txt"
        let save = Event.key(KeyEvent(.char("s"), .ctrl))
        func read(_ name: String) -> String? { readText(atPath: dir + "/" + name) }
        _ = system("printf 'shared\\n' > '\(file)'")
        let host = try Session(path: file, clientID: 1, newClientID: { 50 }, now: { 0 })
        let guest = try Session(path: file, clientID: 2, newClientID: { 51 }, joining: true, now: { 0 })
        func sync() throws {
            try guest.doc.applyUpdate(host.doc.encodeStateAsUpdate(from: guest.doc.stateVector), origin: "sync")
            try host.doc.applyUpdate(guest.doc.encodeStateAsUpdate(from: host.doc.stateVector), origin: "sync")
        }
        try sync()
        guest.idle()
        XCTAssertFalse(guest.editor.isModified)

        // The guest types; both show [+]; the host saves; the guest's [+] goes on its next idle.
        guest.editor.setCursor(.zero)
        _ = guest.editor.handle(.key(KeyEvent(.char("!"))))
        try sync()
        XCTAssertTrue(guest.editor.isModified)
        XCTAssertTrue(host.editor.isModified)
        XCTAssertTrue(host.perform(host.editor.handle(save)) == false)
        XCTAssertEqual(read("pair.txt"), "!shared\n")
        XCTAssertFalse(host.editor.isModified)
        XCTAssertTrue(guest.editor.isModified, "nothing told the guest yet")
        guest.idle()
        XCTAssertFalse(guest.editor.isModified, "the guest saw the save")

        // The host saves before the guest's next keystroke arrives: the guest's [+] stays.
        _ = guest.editor.handle(.key(KeyEvent(.char("?"))))
        _ = host.editor.handle(.key(KeyEvent(.char("#"))))
        _ = host.perform(host.editor.handle(save))
        XCTAssertEqual(read("pair.txt"), host.editor.buffer.string)
        XCTAssertFalse(host.editor.buffer.string.contains("?"))
        guest.idle()
        XCTAssertTrue(guest.editor.isModified, "the file lacks the guest's \"?\"")
        // Once the texts converge and someone saves that, both are clean.
        try sync()
        _ = host.perform(host.editor.handle(save))
        guest.idle()
        XCTAssertEqual(guest.editor.buffer.string, host.editor.buffer.string)
        XCTAssertFalse(guest.editor.isModified)
        XCTAssertFalse(host.editor.isModified)

        // A guest's own save clears the host's [+] the same way (the host sees its text on disk).
        _ = guest.editor.handle(.key(KeyEvent(.char("g"))))
        try sync()
        XCTAssertTrue(host.editor.isModified)
        _ = guest.perform(guest.editor.handle(save))
        XCTAssertFalse(guest.editor.isModified)
        host.idle()
        XCTAssertFalse(host.editor.isModified)
        XCTAssertEqual(host.editor.buffer.string, read("pair.txt"))
        host.close()
        guest.close()
    }
}
