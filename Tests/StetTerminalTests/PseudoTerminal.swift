import Foundation
import XCTest

#if os(Linux)
    import Glibc

    /// A pseudo-terminal with a child process on its slave side, for driving a real `Terminal`
    /// from a test: write keys to the master, read what the child draws, inspect the slave's
    /// termios, resize it, and wait for the child.
    final class PseudoTerminal {
        let master: Int32
        /// The parent's own handle on the slave side (no controlling tty), for `tcgetattr`.
        let slave: Int32
        let slavePath: String
        private(set) var output: [UInt8] = []
        private(set) var pid: pid_t = 0
        private(set) var exitStatus: Int32?

        init(rows: UInt16, columns: UInt16) throws {
            // posix_openpt/unlockpt/ptsname are hidden from Swift (_XOPEN_SOURCE); their Linux
            // ioctls are not: TIOCSPTLCK = _IOW('T', 0x31, int), TIOCGPTN = _IOR('T', 0x30, uint).
            master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
            var unlock: Int32 = 0
            var number: UInt32 = 0
            guard master >= 0, ioctl(master, 0x4004_5431, &unlock) == 0,
                ioctl(master, 0x8004_5430, &number) == 0
            else { throw POSIXError(.ENODEV) }
            slavePath = "/dev/pts/\(number)"
            slave = open(slavePath, O_RDWR | O_NOCTTY)
            guard slave >= 0 else { throw POSIXError(.ENODEV) }
            resize(rows: rows, columns: columns)
        }

        deinit {
            if pid > 0 && exitStatus == nil {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
            }
            close(master)
            close(slave)
        }

        /// Starts `arguments[0]` in a new session whose controlling terminal is the slave.
        func spawn(_ arguments: [String], environment: [String: String]) throws {
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
            posix_spawn_file_actions_adddup2(&actions, 0, 1)
            posix_spawn_file_actions_adddup2(&actions, 0, 2)
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            posix_spawnattr_setflags(&attributes, 0x80)  // POSIX_SPAWN_SETSID (glibc)
            let argv = arguments.map { strdup($0) } + [nil]
            let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { (argv + envp).forEach { free($0) } }
            let rc = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
            guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EINVAL) }
        }

        func write(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
        }

        func resize(rows: UInt16, columns: UInt16) {
            var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
            _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        }

        /// The slave's local flags (ICANON, ECHO, ...).
        var localFlags: tcflag_t {
            var t = termios()
            tcgetattr(slave, &t)
            return t.c_lflag
        }

        /// Reads output and reaps the child until `condition` holds or `seconds` pass.
        @discardableResult
        func pump(seconds: Double = 10, until condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if condition() { return true }
                var fds = [pollfd(fd: master, events: Int16(POLLIN), revents: 0)]
                if poll(&fds, 1, 20) > 0 {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let n = read(master, &buffer, buffer.count)
                    if n > 0 { output += buffer[0..<n] }
                }
                if exitStatus == nil && pid > 0 {
                    var status: Int32 = 0
                    if waitpid(pid, &status, WNOHANG) == pid { exitStatus = status }
                }
            }
            return condition()
        }

        /// Waits for the child to end: its exit code, or nil if a signal ended it.
        func waitForExit(seconds: Double = 20) -> (code: Int32?, signal: Int32?) {
            pump(seconds: seconds) { exitStatus != nil }
            pump(seconds: 0.2) { false }  // collect the last output
            guard let status = exitStatus else { return (nil, nil) }
            return status & 0x7F == 0 ? ((status >> 8) & 0xFF, nil) : (nil, status & 0x7F)
        }

        /// The output after the last occurrence of `marker` (or all of it).
        func output(after marker: String) -> String {
            let text = String(decoding: output, as: UTF8.self)
            guard let range = text.range(of: marker, options: .backwards) else { return text }
            return String(text[range.upperBound...])
        }
    }
#endif
