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
    /// escape character (the stream is binary), the path quoted for the remote shell. A
    /// leading `~/` becomes a path relative to the remote home (where SSH commands start).
    /// `--` keeps a host that starts with "-" from being read as an option.
    public static func sshBridgeArguments(host: String, path: String, ssh: [String] = ["ssh"]) -> [String] {
        var remotePath = path
        if remotePath == "~" { remotePath = "." } else if remotePath.hasPrefix("~/") { remotePath.removeFirst(2) }
        return ssh + ["-T", "-e", "none", "--", host, "stet", "bridge", shellQuoted(remotePath)]
    }

    /// Runs `arguments` (searched in `PATH`) and returns at once; the handler gets `.opened`
    /// when the pipes are set up (the remote end may still be authenticating), or
    /// `.closed("cannot run …")`.
    public static func spawn(
        arguments: [String],
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        maxMessageBytes: Int = NetDefaults.maxMessageBytes,
        handler: @escaping @Sendable (TransportEvent) -> Void
    ) -> ProcessTransport {
        spawn(arguments: arguments, group: group, maxMessageBytes: maxMessageBytes, handler: handler, beforeStart: { _ in })
    }

    /// `spawn(arguments:…handler:)` posting every event into `inbox`, from this transport.
    @available(macOS 15.0, iOS 18.0, *)
    public static func spawn(
        arguments: [String],
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        maxMessageBytes: Int = NetDefaults.maxMessageBytes,
        inbox: Inbox
    ) -> ProcessTransport {
        let source = SourceSlot()
        return spawn(
            arguments: arguments, group: group, maxMessageBytes: maxMessageBytes,
            handler: source.posting(to: inbox), beforeStart: source.set)
    }

    private static func spawn(
        arguments: [String], group: EventLoopGroup, maxMessageBytes: Int,
        handler: @escaping @Sendable (TransportEvent) -> Void, beforeStart: (ProcessTransport) -> Void
    ) -> ProcessTransport {
        ignoreSIGPIPE()
        let loop = group.next()
        let name = arguments.first.map { String($0.split(separator: "/").last ?? Substring($0)) } ?? "command"
        let monitor = ProcessMonitor(name: name, loop: loop, handler: handler)
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
