import BenchSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The real `stet serve` as a child process: `stet serve --listen 127.0.0.1:0 --data DIR`,
/// its port read from the line it prints, its CPU read from /proc.
final class ServerProcess {
    let pid: pid_t
    let port: Int
    let dataDir: String
    let logPath: String
    private let stdoutFD: Int32
    private var stopped = false

    private init(pid: pid_t, port: Int, dataDir: String, logPath: String, stdoutFD: Int32) {
        self.pid = pid
        self.port = port
        self.dataDir = dataDir
        self.logPath = logPath
        self.stdoutFD = stdoutFD
    }

    func url(room: String) -> String { "ws://127.0.0.1:\(port)/\(room)" }

    /// Starts `stet serve` and waits (up to 15 s) for "listening on ws://HOST:PORT/…".
    static func start(stet: String, dataDir: String) throws -> ServerProcess {
        try start(args: [stet, "serve", "--listen", "127.0.0.1:0", "--data", dataDir], dataDir: dataDir)
    }

    /// Starts `args` (a server that prints "… ws://127.0.0.1:PORT/…" first) and waits for
    /// that line (up to 15 s). Its standard error goes to `dataDir/serve.stderr`.
    static func start(args: [String], dataDir: String) throws -> ServerProcess {
        try makeDirectory(dataDir)
        let logPath = dataDir + "/serve.stderr"
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw BenchError("pipe failed") }
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&fa, fds[1], 1)
        posix_spawn_file_actions_addopen(&fa, 2, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addclose(&fa, fds[0])
        posix_spawn_file_actions_addclose(&fa, fds[1])
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, args[0], &fa, nil, argv, environ)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw BenchError("cannot start \(args[0]): \(String(cString: strerror(rc)))")
        }
        // Read the first line (with a deadline).
        var line: [UInt8] = []
        let deadline = nowNs() + 15_000_000_000
        var buf = [UInt8](repeating: 0, count: 4096)
        while !line.contains(UInt8(ascii: "\n")) {
            var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            let left = Int32(max(0, Int64(deadline) - Int64(nowNs())) / 1_000_000)
            if left <= 0 || poll(&p, 1, left) <= 0 { break }
            let n = read(fds[0], &buf, buf.count)
            if n <= 0 { break }
            line += buf[..<n]
        }
        let text = String(decoding: line, as: UTF8.self)
        // "stet serve: listening on ws://127.0.0.1:PORT/ROOM…"
        guard let r = text.range(of: "ws://127.0.0.1:"),
              let port = Int(text[r.upperBound...].prefix { $0.isNumber }) else {
            kill(pid, SIGKILL)
            var st: Int32 = 0
            waitpid(pid, &st, 0)
            close(fds[0])
            let err = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw BenchError("`\(args.joined(separator: " "))` did not say where it listens: \(text.debugDescription) \(err)")
        }
        return ServerProcess(pid: pid, port: port, dataDir: dataDir, logPath: logPath, stdoutFD: fds[0])
    }

    /// SIGTERM, then wait (SIGKILL after 10 s).
    func stop() {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGTERM)
        var st: Int32 = 0
        let deadline = nowNs() + 10_000_000_000
        while waitpid(pid, &st, WNOHANG) == 0 {
            if nowNs() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &st, 0)
                break
            }
            usleep(10_000)
        }
        close(stdoutFD)
    }

    /// What the server wrote to standard error (its log).
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    // MARK: /proc

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// utime + stime of the process (all threads), in seconds.
    func cpuSeconds() -> Double? { ServerProcess.cpu(statPath: "/proc/\(pid)/stat") }

    /// Per kind of thread: seconds of CPU.
    func threadCPU() -> [String: Double] {
        threadCPUByKind(pid: pid) { name, isMain in
            // stet serve's rooms live on its main thread; the relay process's on "relay".
            if (isMain && name == "stet") || name == "relay" { return "rooms' owner thread (apply, forward, store)" }
            if isMain { return "main (waits)" }
            if name.hasPrefix("NIO-") { return "NIO event loops (WebSocket I/O)" }
            return "other (\(name))"
        }
    }

    static func cpu(statPath: String) -> Double? {
        guard let s = try? String(contentsOfFile: statPath, encoding: .utf8),
              let close = s.lastIndex(of: ")") else { return nil }
        // Fields after "pid (comm) ": state is field 3; utime 14, stime 15.
        let f = s[s.index(after: close)...].split(separator: " ")
        guard f.count > 13, let u = Double(f[11]), let k = Double(f[12]) else { return nil }
        return (u + k) / ticksPerSecond
    }

    /// A /proc/PID/status field (VmRSS, VmHWM) in bytes.
    func status(_ field: String) -> Int? {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for l in s.split(separator: "\n") where l.hasPrefix(field + ":") {
            return (Int(l.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
        return nil
    }
}

/// CPU seconds of each thread of `pid`, summed by `kind(name, isMainThread)`.
func threadCPUByKind(pid: pid_t, _ kind: (String, Bool) -> String) -> [String: Double] {
    var out: [String: Double] = [:]
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
    for t in tasks {
        guard let s = ServerProcess.cpu(statPath: "/proc/\(pid)/task/\(t)/stat") else { continue }
        let name = ((try? String(contentsOfFile: "/proc/\(pid)/task/\(t)/comm", encoding: .utf8)) ?? "?")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        out[kind(name, String(pid) == t), default: 0] += s
    }
    return out
}

/// This process's threads, by kind (for part 2's clients).
func benchThreadCPU() -> [String: Double] {
    threadCPUByKind(pid: getpid()) { name, isMain in
        if isMain { return "main (driver)" }
        if name.hasPrefix("NIO-") { return "NIO event loops (WebSocket I/O)" }
        if name.hasPrefix("clients-") { return "client owner threads (protocol, documents)" }
        return "other (\(name))"
    }
}
