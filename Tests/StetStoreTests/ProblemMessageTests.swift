#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import StetStore
import XCTest

/// Every problem reads as one line that names the file, what happened and what to do.
final class ProblemMessageTests: XCTestCase {
    func testFileProblemMessages() {
        let p = "/home/al/notes.md"
        let cases: [(FileProblem, [String])] = [
            (.isDirectory(path: p), ["is a folder"]),
            (.notRegularFile(path: p), ["regular files only"]),
            (.missingDirectory(path: p, directory: "/home/al"), ["does not exist", "mkdir -p /home/al"]),
            (.binary(path: p, offset: 3), ["binary", "8192"]),
            (.unsupportedEncoding(path: p, encoding: "UTF-16BE"), ["iconv -f UTF-16BE -t UTF-8"]),
            (.invalidUTF8(path: p, offset: 9, line: 2, column: 3, byte: 0xE9), ["byte offset 9", "line 2", "iconv -f LATIN1 -t UTF-8"]),
            (.tooLarge(path: p, size: 3 << 30), ["3 GiB", "1 GiB"]),
            (.system(action: .reading, path: p, errno: EACCES), ["permission denied", "ls -l"]),
            (.system(action: .writing, path: p, errno: ENOSPC), ["the disk is full", "free some space and save again", "your edits are kept"]),
            (.system(action: .writing, path: p, errno: EDQUOT), ["quota", "your edits are kept"]),
            (.system(action: .writing, path: p, errno: EROFS), ["read-only", "another name"]),
            (.system(action: .writing, path: p, errno: EIO), ["input/output", "elsewhere"]),
            (.system(action: .writing, path: p, errno: EACCES), ["permission denied", "ls -ld"]),
        ]
        for (problem, needles) in cases {
            let m = problem.description
            print("[message] \(m)")
            XCTAssertFalse(m.contains("\n"), m)
            XCTAssertTrue(m.contains(p), m)
            for n in needles { XCTAssertTrue(m.contains(n), "missing \(n): \(m)") }
        }
        XCTAssertTrue(FileProblem.isDirectory(path: "my notes.md").description.hasPrefix("\"my notes.md\""), "odd names are quoted")
    }

    func testStoreProblemMessages() {
        let log = "/home/al/.stet/notes.md.stetlog"
        let cases: [(StoreProblem, [String])] = [
            (.busy(file: "/home/al/notes.md"), ["notes.md is open in another stet; close that one first"]),
            (.newerFormat(log: log, version: 2, supported: 1), ["newer stet", "format 2", "update stet"]),
            (.notAStore(log: log), ["not a stet history", "mv "]),
            (.storeDirectoryIsAFile(path: "/home/al/.stet"), ["rename that file"]),
            (.system(action: "record changes to notes.md", path: log, errno: ENOSPC), ["the disk is full", "free some space"]),
            (.system(action: "save the history of notes.md to disk", path: log, errno: EIO), ["input/output", "failing"]),
        ]
        for (problem, needles) in cases {
            let m = problem.description
            print("[message] \(m)")
            XCTAssertFalse(m.contains("\n"), m)
            for n in needles { XCTAssertTrue(m.contains(n), "missing \(n): \(m)") }
        }
    }
}
