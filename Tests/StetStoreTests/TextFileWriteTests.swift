#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import StetStore
import XCTest

final class TextFileWriteTests: XCTestCase {
    var dir: TempDir!
    override func setUp() { dir = TempDir("write") }
    override func tearDown() { dir.remove() }

    /// Only the expected names are in the folder: no temporary files left behind.
    func assertNoLeftovers(_ expected: [String], in path: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(listDirectory(path ?? dir.path), expected.sorted(), file: file, line: line)
    }

    func testModeBitsArePreserved() throws {
        for mode: mode_t in [0o600, 0o755, 0o640, 0o444, 0o4755] {
            let p = dir.file("m\(String(mode, radix: 8)).txt")
            writeRaw(p, Array("old".utf8))
            chmod(p, mode)
            let stamp = try TextFile.write("new content\n", to: p)
            XCTAssertEqual(modeOf(p), mode, "mode \(octal(mode))")
            XCTAssertEqual(readRaw(p), Array("new content\n".utf8))
            XCTAssertEqual(stamp, DiskStamp.current(path: p))
            XCTAssertEqual(try TextFile.read(path: p)?.mode, mode)
        }
        assertNoLeftovers(["m4755.txt", "m444.txt", "m600.txt", "m640.txt", "m755.txt"])
    }

    func testNewFileGetsUmaskMode() throws {
        let old = umask(0o027)
        defer { umask(old) }
        let p = dir.file("new.txt")
        try TextFile.write("hi", to: p)
        XCTAssertEqual(modeOf(p), 0o640, "0666 & ~027")
        umask(0o002)
        let q = dir.file("new2.txt")
        try TextFile.write("hi", to: q)
        XCTAssertEqual(modeOf(q), 0o664)
    }

    func testOwnerIsKept() throws {
        let p = dir.file("owned.txt")
        writeRaw(p, Array("x".utf8))
        if isRoot {
            XCTAssertEqual(chown(p, 4242, 4343), 0)
            try TextFile.write("y", to: p)
            XCTAssertEqual(statOf(p)?.st_uid, 4242)
            XCTAssertEqual(statOf(p)?.st_gid, 4343)
        } else {
            print("[owner] not root: cannot give a file away; asserting the owner stays ourselves")
            try TextFile.write("y", to: p)
            XCTAssertEqual(statOf(p)?.st_uid, getuid())
        }
    }

    func testSymlinkIsKeptAndTargetWritten() throws {
        mkdir(dir.file("real"), 0o755)
        let target = dir.file("real/notes.md")
        writeRaw(target, Array("old".utf8))
        chmod(target, 0o600)
        let link = dir.file("link.md")
        symlink("real/notes.md", link)  // relative link
        let chain = dir.file("chain.md")
        symlink(link, chain)  // absolute link to a link

        XCTAssertEqual(try TextFile.read(path: chain)?.text, "old")
        try TextFile.write("via chain", to: chain)
        XCTAssertEqual(lstatOf(link).map { $0.st_mode & S_IFMT }, S_IFLNK)
        XCTAssertEqual(lstatOf(chain).map { $0.st_mode & S_IFMT }, S_IFLNK)
        XCTAssertEqual(readRaw(target), Array("via chain".utf8))
        XCTAssertEqual(modeOf(target), 0o600)
        XCTAssertEqual(try TextFile.resolve(path: chain), dir.file("real/notes.md"))
        assertNoLeftovers(["notes.md"], in: dir.file("real"))

        // A dangling link: the save creates its target and keeps the link.
        let dangling = dir.file("dangling.md")
        symlink("real/created.md", dangling)
        XCTAssertNil(try TextFile.read(path: dangling))
        try TextFile.write("made", to: dangling)
        XCTAssertEqual(readRaw(dir.file("real/created.md")), Array("made".utf8))
        XCTAssertEqual(lstatOf(dangling).map { $0.st_mode & S_IFMT }, S_IFLNK)

        let loop = dir.file("loop")
        symlink(loop, loop)
        XCTAssertThrowsError(try TextFile.write("x", to: loop)) { e in
            XCTAssertEqual((e as? FileProblem)?.errno, ELOOP)
        }
    }

    func testRefusesToWriteOverDirectoryOrDevice() {
        mkdir(dir.file("sub"), 0o755)
        XCTAssertThrowsError(try TextFile.write("x", to: dir.file("sub"))) { e in
            XCTAssertEqual(e as? FileProblem, .isDirectory(path: dir.file("sub")))
        }
        XCTAssertThrowsError(try TextFile.write("x", to: "/dev/null")) { e in
            XCTAssertEqual(e as? FileProblem, .notRegularFile(path: "/dev/null"))
        }
        assertNoLeftovers(["sub"])
    }

    func testParentIsAFileOrMissing() {
        let p = dir.file("plain")
        writeRaw(p, Array("keep".utf8))
        XCTAssertThrowsError(try TextFile.write("x", to: p + "/child.txt")) { e in
            guard case .missingDirectory = e as? FileProblem else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try TextFile.write("x", to: dir.file("no/such/dir.txt"))) { e in
            guard case .missingDirectory(_, let d) = e as? FileProblem else { return XCTFail("\(e)") }
            XCTAssertEqual(d, dir.file("no/such"))
            XCTAssertTrue("\(e)".contains("mkdir -p"), "\(e)")
        }
        XCTAssertEqual(readRaw(p), Array("keep".utf8))
    }

    /// A write that fails part-way (file size limit: EFBIG, which root cannot bypass) must
    /// leave the original byte-for-byte intact and remove the temporary file.
    func testFailedWriteLeavesOriginalIntact() throws {
        let p = dir.file("precious.txt")
        let original = Array("precious\r\nbytes".utf8)
        writeRaw(p, original)
        chmod(p, 0o640)
        let big = String(repeating: "0123456789abcdef", count: 4096)  // 64 KiB
        try withFileSizeLimit(4096) {
            XCTAssertThrowsError(try TextFile.write(big, to: p)) { e in
                XCTAssertEqual(e as? FileProblem, .system(action: .writing, path: p, errno: EFBIG))
                XCTAssertTrue("\(e)".contains("was not changed"), "\(e)")
            }
        }
        XCTAssertEqual(readRaw(p), original)
        XCTAssertEqual(modeOf(p), 0o640)
        assertNoLeftovers(["precious.txt"])
        try TextFile.write(big, to: p)  // and with the limit lifted it works
        XCTAssertEqual(readRaw(p)?.count, big.utf8.count)
    }

    /// A real full disk: a 64 KiB tmpfs (needs root with CAP_SYS_ADMIN). Where it cannot be
    /// mounted, the message for ENOSPC is checked on the value and the failure path is covered
    /// by `testFailedWriteLeavesOriginalIntact`.
    func testDiskFull() throws {
        let mnt = dir.file("tiny")
        mkdir(mnt, 0o755)
        guard mountTinyTmpfs(at: mnt, kilobytes: 64) else {
            print("[disk-full] cannot mount a tmpfs here (uid \(getuid())); checking the ENOSPC message only")
            let m = FileProblem.system(action: .writing, path: "notes.md", errno: ENOSPC).description
            XCTAssertTrue(m.contains("the disk is full") && m.contains("free some space") && m.contains("your edits are kept"), m)
            return
        }
        defer { unmountTmpfs(mnt) }
        let p = mnt + "/notes.md"
        let original = String(repeating: "x", count: 20_000)
        try TextFile.write(original, to: p)
        XCTAssertThrowsError(try TextFile.write(String(repeating: "y", count: 200_000), to: p)) { e in
            XCTAssertEqual(e as? FileProblem, .system(action: .writing, path: p, errno: ENOSPC))
            let m = "\(e)"
            XCTAssertTrue(m.contains("the disk is full") && m.contains("free some space") && m.contains("your edits are kept"), m)
        }
        XCTAssertEqual(readRaw(p), Array(original.utf8))
        assertNoLeftovers(["notes.md"], in: mnt)
    }

    func testReadOnlyFolder() throws {
        let sub = dir.file("ro")
        mkdir(sub, 0o755)
        let p = sub + "/notes.md"
        writeRaw(p, Array("original".utf8))
        chmod(sub, 0o555)
        defer { chmod(sub, 0o755) }
        if isRoot {
            // Root may create files in a read-only folder, so this refusal cannot be provoked;
            // assert that the save works (EFBIG and ENOSPC cover the failure path).
            print("[read-only folder] running as root: permission bits do not stop writes; asserting the save succeeds")
            try TextFile.write("changed", to: p)
            XCTAssertEqual(readRaw(p), Array("changed".utf8))
        } else {
            XCTAssertThrowsError(try TextFile.write("changed", to: p)) { e in
                XCTAssertEqual(e as? FileProblem, .system(action: .writing, path: p, errno: EACCES))
                XCTAssertTrue("\(e)".contains("permission denied"), "\(e)")
            }
            XCTAssertEqual(readRaw(p), Array("original".utf8))
        }
        XCTAssertEqual(listDirectory(sub), ["notes.md"])
    }

    func testWriteIntoProcFails() {
        // /proc refuses new files even for root; the original stays as it was.
        let before = readRaw("/proc/sys/kernel/ostype")
        XCTAssertThrowsError(try TextFile.write("Plan9\n", to: "/proc/sys/kernel/ostype")) { e in
            guard case .system(.writing, _, let err) = e as? FileProblem else { return XCTFail("\(e)") }
            XCTAssertNotEqual(err, 0)
            print("[proc] refused with: \(e)")
        }
        XCTAssertEqual(readRaw("/proc/sys/kernel/ostype"), before)
    }

    func testStampChangesWhenAnotherProgramWrites() throws {
        let p = dir.file("s.txt")
        let s1 = try TextFile.write("one", to: p)
        XCTAssertEqual(DiskStamp.current(path: p), s1)
        let s2 = try TextFile.write("two", to: p)
        XCTAssertNotEqual(s1, s2, "a save is a new inode")
        writeRaw(p, Array("three!".utf8))  // in place, like `echo >`
        XCTAssertNotEqual(DiskStamp.current(path: p), s2)
    }
}
