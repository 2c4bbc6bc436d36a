import Dispatch
import NIOCore
import NIOPosix
import StetSync

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Length-framed messages over a child process's stdin/stdout: `ssh host stet bridge PATH`
/// (SSH does the authentication), or any command that speaks the framing (`cat` echoes it).
///
/// The child's stderr is collected; when the child ends, `.closed` says how, with the tail of
/// its stderr ("ssh exited with status 255: ssh: Could not resolve hostname nohost: …").
/// Closing the transport closes the child's stdin, then terminates the child if it has not
/// exited within a few seconds. Events are delivered on a NIO event-loop thread (see
/// `StetNet.swift`). SIGPIPE is ignored in this process from the first spawn on.
public final class ProcessTransport: Transport {
    let core: ChannelTransport
    private let monitor: ProcessMonitor

    public var label: String { core.label }
    public func send(_ message: [UInt8]) { core.send(message) }
    public func close(reason: String) { monitor.closeByUser(reason: reason) }

    private init(core: ChannelTransport, monitor: ProcessMonitor) {
        self.core = core
        self.monitor = monitor
    }

    /// The arguments that run `stet bridge PATH` on `host` over SSH: no pseudo-terminal, no
    /// escape character (the stream is binary), `-p PORT` when a port is given, the path
    /// quoted for the remote shell. A leading `~/` becomes a path relative to the remote home
    /// (where SSH commands start). `remoteStet` is the command run there (a name looked up in
    /// the remote `PATH`, or a path; a leading `~/` is the remote home). `--` keeps a host that
    /// starts with "-" from being read as an option.
    public static func sshBridgeArguments(
        host: String, port: Int? = nil, path: String, ssh: [String] = ["ssh"], remoteStet: String = "stet"
    ) -> [String] {
        var remotePath = path
        if remotePath == "~" { remotePath = "." } else if remotePath.hasPrefix("~/") { remotePath.removeFirst(2) }
        let portArguments = port.map { ["-p", String($0)] } ?? []
        return ssh + ["-T", "-e", "none"] + portArguments
            + ["--", host, remoteCommandWord(remoteStet), "bridge", shellQuoted(remotePath)]
    }

    /// The close reason when `ssh HOST REMOTE-STET bridge …` finds no such command there.
    public static func remoteStetMissingMessage(host: String, remoteStet: String = "stet") -> String {
        if remoteStet.contains("/") {
            return "\(remoteStet) is not installed on \(host) (no such file there): install stet there, "
                + "or pass its path with --remote-stet /path/to/stet"
        }
        return "\(remoteStet) is not installed on \(host) or not on the PATH of non-interactive ssh shells: "
            + "install it there, or pass --remote-stet /path/to/stet"
    }

    /// `spawn` with `target.bridgeArguments(…)`: a child that cannot find `remoteStet` on the
    /// remote host (status 127, or "command not found" naming it) closes with
    /// `remoteStetMissingMessage`.
    @available(macOS 15.0, iOS 18.0, *)
    public static func spawnSSHBridge(
        _ target: SSHTarget, ssh: [String] = ["ssh"], remoteStet: String = "stet",
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        maxMessageBytes: Int = NetDefaults.maxMessageBytes,
        inbox: Inbox
    ) -> ProcessTransport {
        spawn(
            arguments: target.bridgeArguments(ssh: ssh, remoteStet: remoteStet), group: group,
            maxMessageBytes: maxMessageBytes, commandNotFoundReason: remoteStetMissingMessage(host: target.host, remoteStet: remoteStet),
            missingCommand: remoteStet, inbox: inbox)
    }

    /// Runs `arguments` (searched in `PATH`) and returns at once; the handler gets `.opened`
    /// when the pipes are set up (the remote end may still be authenticating), or
    /// `.closed("cannot run …")`. When the child exits with status 127 or a line of its stderr
    /// says "command not found" (and names `missingCommand`, if given) — a shell, maybe a
    /// remote one, found no such command — the close reason is `commandNotFoundReason` if given.
    public static func spawn(
        arguments: [String],
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        maxMessageBytes: Int = NetDefaults.maxMessageBytes,
        commandNotFoundReason: String? = nil,
        missingCommand: String? = nil,
        handler: @escaping @Sendable (TransportEvent) -> Void
    ) -> ProcessTransport {
        spawn(
            arguments: arguments, group: group, maxMessageBytes: maxMessageBytes,
            commandNotFound: commandNotFoundReason.map { (missingCommand, $0) }, handler: handler, beforeStart: { _ in })
    }

    /// `spawn(arguments:…handler:)` posting every event into `inbox`, from this transport.
    @available(macOS 15.0, iOS 18.0, *)
    public static func spawn(
        arguments: [String],
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        maxMessageBytes: Int = NetDefaults.maxMessageBytes,
        commandNotFoundReason: String? = nil,
        missingCommand: String? = nil,
        inbox: Inbox
    ) -> ProcessTransport {
        let source = SourceSlot()
        return spawn(
            arguments: arguments, group: group, maxMessageBytes: maxMessageBytes,
            commandNotFound: commandNotFoundReason.map { (missingCommand, $0) },
            handler: source.posting(to: inbox), beforeStart: source.set)
    }

    private static func spawn(
        arguments: [String], group: EventLoopGroup, maxMessageBytes: Int, commandNotFound: (command: String?, reason: String)?,
        handler: @escaping @Sendable (TransportEvent) -> Void, beforeStart: (ProcessTransport) -> Void
    ) -> ProcessTransport {
        ignoreSIGPIPE()
        let loop = group.next()
        let name = arguments.first.map { String($0.split(separator: "/").last ?? Substring($0)) } ?? "command"
        let monitor = ProcessMonitor(name: name, loop: loop, commandNotFound: commandNotFound, handler: handler)
        let core = ChannelTransport(
            label: arguments.joined(separator: " "), eventLoop: loop,
            handler: { event in monitor.innerEvent(event) })
        monitor.core = core
        let transport = ProcessTransport(core: core, monitor: monitor)
        beforeStart(transport)

        let child: SpawnedChild
        do {
            child = try SpawnedChild(arguments: arguments)
        } catch {
            loop.execute { monitor.finish("cannot run \(name): \(error)") }
            return transport
        }
        monitor.pid = child.pid
        openPipeChannel(input: child.stdout, output: child.stdin, loop: loop, core: core, maxMessageBytes: maxMessageBytes)
            .whenFailure { error in
                core.ended("cannot talk to \(name): \(describeNetError(error))")
            }
        NIOPipeBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(StderrCollector(monitor: monitor))
                }
            }
            .takingOwnershipOfDescriptor(input: child.stderr)
            .whenComplete { result in
                switch result {
                case .success(let channel): monitor.stderrChannel = channel
                case .failure: monitor.stderrEnded()
                }
            }
        let pid = child.pid
        DispatchQueue.global().async {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            let exitStatus = status
            loop.execute { monitor.exited(status: exitStatus) }
        }
        return transport
    }
}

/// Puts `text` in single quotes for a POSIX shell.
func shellQuoted(_ text: String) -> String {
    "'" + text.replacingAll("'", with: "'\\''") + "'"
}

/// A command name or path as one word for a POSIX shell: as it is when it needs no quoting
/// (`stet`, `/opt/stet/bin/stet`), quoted otherwise; a leading `~/` stays outside the quotes
/// so the remote shell expands it to the home directory.
func remoteCommandWord(_ command: String) -> String {
    if command.hasPrefix("~/") { return "~/" + remoteCommandWord(String(command.dropFirst(2))) }
    let plain = !command.isEmpty && command.unicodeScalars.allSatisfy { c in
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || "_-./+,:@%=".unicodeScalars.contains(c)
    }
    return plain && !command.hasPrefix("=") ? command : shellQuoted(command)
}

/// Where `stet join ssh://[USER@]HOST[:PORT]/PATH` goes. The path is what follows the first
/// "/" after the host: `notes.md` and `~/notes.md` are in the remote home, `//srv/notes.md`
/// (path `/srv/notes.md`) is absolute. An IPv6 host is written in brackets:
/// `ssh://[::1]:2222/notes.md`.
public struct SSHTarget: Equatable, Sendable {
    public var user: String?
    public var host: String
    public var port: Int?
    public var path: String

    public init(user: String? = nil, host: String, port: Int? = nil, path: String) {
        self.user = user
        self.host = host
        self.port = port
        self.path = path
    }

    /// Nil unless `url` is `ssh://` with a host, a valid port if any (1…65535), and a path.
    public init?(url: String) {
        guard url.hasPrefix("ssh://") else { return nil }
        let rest = url.dropFirst("ssh://".count)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let path = String(rest[rest.index(after: slash)...])
        var authority = rest[..<slash]
        guard !path.isEmpty, !authority.isEmpty else { return nil }
        var user: String?
        if let at = authority.lastIndex(of: "@") {
            user = String(authority[..<at])
            authority = authority[authority.index(after: at)...]
            if user!.isEmpty { return nil }
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { return nil }
        // Only what host names, addresses and user names are made of: nothing a shell (a
        // ProxyCommand's, the remote login shell) or ssh's option parser could act on.
        let bracketed = authority.hasPrefix("[")
        guard SSHTarget.isPlain(host, extra: bracketed ? ":%" : ""), !host.hasPrefix("-") else { return nil }
        if let user, !SSHTarget.isPlain(Substring(user), extra: "@") || user.hasPrefix("-") { return nil }
        guard SSHTarget.isSafeForRemoteShell(path) else { return nil }
        var port: Int?
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let p = Int(portText), (1...65535).contains(p) else { return nil }
            port = p
        }
        self.init(user: user, host: String(host), port: port, path: path)
    }

    /// Letters, digits, ".", "_", "-" and the characters in `extra`.
    static func isPlain(_ text: Substring, extra: String) -> Bool {
        text.unicodeScalars.allSatisfy { c in
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
                || "._-".unicodeScalars.contains(c) || extra.unicodeScalars.contains(c)
        }
    }

    /// False for text that single quotes do not protect in every common login shell: a
    /// backslash (fish reads `\'` inside single quotes as a quote) or a control character
    /// (newlines end a csh command). Paths and --remote-stet values with them are refused.
    public static func isSafeForRemoteShell(_ text: String) -> Bool {
        !text.unicodeScalars.contains { $0 == "\\" || $0.value < 0x20 || $0.value == 0x7F }
    }

    /// `user@host` (or `host`) for ssh's command line.
    public var destination: String { user.map { "\($0)@\(host)" } ?? host }

    /// `ProcessTransport.sshBridgeArguments` for this target.
    public func bridgeArguments(ssh: [String] = ["ssh"], remoteStet: String = "stet") -> [String] {
        ProcessTransport.sshBridgeArguments(host: destination, port: port, path: path, ssh: ssh, remoteStet: remoteStet)
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}

/// Collects what the child writes to stderr.
private final class StderrCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let monitor: ProcessMonitor

    init(monitor: ProcessMonitor) { self.monitor = monitor }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        monitor.stderrReceived(unwrapInboundIn(data).readableBytesView)
    }

    func channelInactive(context: ChannelHandlerContext) {
        monitor.stderrEnded()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
