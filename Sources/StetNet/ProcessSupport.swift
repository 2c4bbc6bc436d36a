import Foundation
import NIOCore
import StetSync

/// Follows a `ProcessTransport`'s child: its pipe transport, its stderr and its exit, and
/// reports one `.closed` that says what happened. Methods other than `closeByUser` run on
/// the transport's event loop; the lock only guards the few fields set while spawning.
final class ProcessMonitor: @unchecked Sendable {
    let name: String
    let loop: EventLoop
    /// The close reason when a shell found no such command (status 127, or "command not
    /// found" on stderr, naming `command` if given).
    let commandNotFound: (command: String?, reason: String)?
    private let lock = NSLock()
    private var handler: (@Sendable (TransportEvent) -> Void)?
    private var _core: ChannelTransport?
    private var _pid: pid_t?
    private var _stderrChannel: Channel?
    private var stderrTail: [UInt8] = []
    private var stderrDone = false
    private var exitStatus: Int32?
    /// Set when the pipes ended from the child's side; `.closed` waits for its exit status.
    private var pipeEndedReason: String?
    private var userClosed = false
    private var finished = false

    init(name: String, loop: EventLoop, commandNotFound: (command: String?, reason: String)? = nil,
         handler: @escaping @Sendable (TransportEvent) -> Void) {
        self.name = name
        self.loop = loop
        self.commandNotFound = commandNotFound
        self.handler = handler
    }

    var core: ChannelTransport? {
        get { lock.withLock { _core } }
        set { lock.withLock { _core = newValue } }
    }
    var pid: pid_t? {
        get { lock.withLock { _pid } }
        set { lock.withLock { _pid = newValue } }
    }
    var stderrChannel: Channel? {
        get { lock.withLock { _stderrChannel } }
        set {
            lock.withLock { _stderrChannel = newValue }
            if finished, exitStatus != nil { newValue?.close(promise: nil) }
        }
    }

    func closeByUser(reason: String) {
        loop.execute {
            self.userClosed = true
            self.core?.close(reason: reason)  // emits .closed(reason) through innerEvent
            self.finish(reason)
        }
    }

    /// An event from the pipe transport.
    func innerEvent(_ event: TransportEvent) {
        guard !finished else { return }
        guard case .closed(let reason) = event else {
            handler?(event)
            return
        }
        if userClosed { return finish(reason) }
        pipeEndedReason = reason
        tryFinish()
        // A child that closed its stdout but lives on is not waited for long.
        loop.scheduleTask(in: .seconds(3)) { self.finish(self.summary()) }
    }

    func stderrReceived(_ bytes: ByteBufferView) {
        stderrTail.append(contentsOf: bytes)
        if stderrTail.count > 8192 { stderrTail.removeFirst(stderrTail.count - 4096) }
    }

    func stderrEnded() {
        stderrDone = true
        tryFinish()
    }

    func exited(status: Int32) {
        exitStatus = status
        tryFinish()
        if finished {
            stderrChannel?.close(promise: nil)
        } else {
            // A grandchild may hold the pipes open (an SSH control master, say): give them a
            // moment, then report the exit anyway.
            loop.scheduleTask(in: .seconds(1)) { self.finish(self.summary()) }
        }
    }

    /// Reports `.closed(reason)` once, then tears down what is left.
    func finish(_ reason: String) {
        guard !finished else { return }
        finished = true
        let handler = self.handler
        self.handler = nil
        handler?(.closed(reason))
        core?.close(reason: reason)
        if exitStatus == nil {
            terminateChild()
        } else {
            stderrChannel?.close(promise: nil)
        }
    }

    // MARK: Private

    private func tryFinish() {
        if pipeEndedReason != nil && exitStatus != nil && stderrDone {
            finish(summary())
        }
    }

    /// SIGTERM after a grace period (its stdin is closed, so a well-behaved child has exited
    /// by then), SIGKILL after another.
    private func terminateChild() {
        guard let pid else { return }
        loop.scheduleTask(in: .seconds(3)) {
            guard self.exitStatus == nil else { return }
            kill(pid, SIGTERM)
            self.loop.scheduleTask(in: .seconds(3)) {
                if self.exitStatus == nil { kill(pid, SIGKILL) }
            }
        }
    }

    /// "ssh exited with status 255: ssh: Could not resolve hostname …", or
    /// `commandNotFound`'s reason when that is what happened.
    private func summary() -> String {
        if let (command, reason) = commandNotFound, commandWasNotFound(command) { return reason }
        var text: String
        if let status = exitStatus {
            let signal = status & 0x7f
            if signal == 0 {
                let code = (status >> 8) & 0xff
                text = code == 0 ? "\(name) exited" : "\(name) exited with status \(code)"
            } else {
                text = "\(name) was killed by signal \(signal)"
            }
        } else {
            text = pipeEndedReason ?? "\(name) stopped"
        }
        let errors = stderrSummary()
        if !errors.isEmpty { text += ": " + errors }
        return text
    }

    /// Whether the child (a shell, or ssh running one remotely) exited with status 127, or
    /// wrote a line saying "command not found" (bash, zsh) about `command` on stderr. (A
    /// shell's start-up file may complain about other commands: those lines do not count.)
    private func commandWasNotFound(_ command: String?) -> Bool {
        if let status = exitStatus, status & 0x7f == 0, (status >> 8) & 0xff == 127 { return true }
        return String(decoding: stderrTail, as: UTF8.self)
            .split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .contains { line in
                // "bash: line 1: stet: command not found", "zsh:1: command not found: stet":
                // the command is one of the words, not part of one ("stet-prompt").
                guard line.contains("command not found") else { return false }
                guard let command else { return true }
                return line.split(whereSeparator: { $0 == " " || $0 == ":" }).contains { $0 == command }
            }
    }

    /// The last few lines the child wrote to stderr, on one line.
    private func stderrSummary() -> String {
        let lines = String(decoding: stderrTail, as: UTF8.self)
            .split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { String($0).trimmingWhitespace() }
            .filter { !$0.isEmpty }
        let joined = lines.suffix(3).joined(separator: " / ")
        return joined.count > 500 ? "…" + String(joined.suffix(500)) : joined
    }
}

/// A child process started with `posix_spawnp`, its stdin/stdout/stderr connected to pipes
/// whose other ends (close-on-exec) are returned.
struct SpawnedChild {
    let pid: pid_t
    let stdin: Int32
    let stdout: Int32
    let stderr: Int32

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(arguments: [String]) throws {
        guard let program = arguments.first else { throw Failure(description: "no command given") }
        let input = try makePipe()
        let output = try makePipe()
        let errors = try makePipe()

        #if os(Linux)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input.read, 0)
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, errors.write, 2)

        // We ignore SIGPIPE; the child gets the default back (ignored signals survive exec).
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] =
            ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
        close(input.read)
        close(output.write)
        close(errors.write)
        guard result == 0 else {
            close(input.write)
            close(output.read)
            close(errors.read)
            throw Failure(description: describeErrno(result))
        }
        self.pid = pid
        self.stdin = input.write
        self.stdout = output.read
        self.stderr = errors.read
    }
}

/// A pipe whose both ends are close-on-exec.
private func makePipe() throws -> (read: Int32, write: Int32) {
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { throw SpawnedChild.Failure(description: describeErrno(errno)) }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return (fds[0], fds[1])
}
