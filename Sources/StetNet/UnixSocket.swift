import NIOCore
import NIOPosix
import StetSync

/// A connection over a Unix domain socket (same-host pairing). Framing: u32 big-endian length,
/// then the message. Events are delivered on a NIO event-loop thread (see `StetNet.swift`).
public final class UnixSocketTransport: Transport {
    let core: ChannelTransport

    init(core: ChannelTransport) { self.core = core }

    public var label: String { core.label }
    public func send(_ message: [UInt8]) { core.send(message) }
    public func close(reason: String) { core.close(reason: reason) }

    /// Connects to the socket at `path` and returns at once; the handler gets `.opened`, or
    /// `.closed("cannot connect to unix:PATH: …")`. Messages sent before `.opened` are queued.
    public static func connect(
        path: String,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        maxMessageBytes: Int = NetDefaults.maxMessageBytes,
        handler: @escaping @Sendable (TransportEvent) -> Void
    ) -> UnixSocketTransport {
        connect(path: path, group: group, maxMessageBytes: maxMessageBytes, handler: handler, beforeStart: { _ in })
    }

    /// `connect(path:…handler:)` posting every event into `inbox`, from this transport.
    @available(macOS 15.0, iOS 18.0, *)
    public static func connect(
        path: String,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        maxMessageBytes: Int = NetDefaults.maxMessageBytes,
        inbox: Inbox
    ) -> UnixSocketTransport {
        let source = SourceSlot()
        return connect(
            path: path, group: group, maxMessageBytes: maxMessageBytes,
            handler: source.posting(to: inbox), beforeStart: source.set)
    }

    private static func connect(
        path: String, group: EventLoopGroup, maxMessageBytes: Int,
        handler: @escaping @Sendable (TransportEvent) -> Void, beforeStart: (UnixSocketTransport) -> Void
    ) -> UnixSocketTransport {
        let loop = group.next()
        let core = ChannelTransport(label: "unix:\(path)", eventLoop: loop, handler: handler)
        let transport = UnixSocketTransport(core: core)
        beforeStart(transport)
        ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        LengthFramedHandler(transport: core, maxMessageBytes: maxMessageBytes))
                }
            }
            .connect(unixDomainSocketPath: path)
            .whenFailure { error in
                let hint = isConnectionRefused(error) ? " (no stet is serving it)" : ""
                core.ended("cannot connect to unix:\(path): \(describeNetError(error))\(hint)")
            }
        return transport
    }
}

/// Serves length-framed connections on a Unix domain socket.
public final class UnixSocketServer: Sendable {
    /// Decides about one connection: return its event handler (it gets `.opened` at once), or
    /// nil to close it. Runs on an event loop.
    public typealias Accept = @Sendable (_ transport: Transport) -> (@Sendable (TransportEvent) -> Void)?

    public let path: String
    private let channel: Channel
    private let registry: ConnectionRegistry
    private let identity: FileIdentity?

    private init(path: String, channel: Channel, registry: ConnectionRegistry, identity: FileIdentity?) {
        self.path = path
        self.channel = channel
        self.registry = registry
        self.identity = identity
    }

    /// Creates the socket at `path` with permission bits `mode` and starts serving. Refuses
    /// (throws) if a live server answers on `path` or if `path` is something else than a
    /// socket; removes a stale socket file left by a crashed server. Blocks until bound; do
    /// not call it on an event-loop thread.
    ///
    /// A message over `maxMessageBytes` (or garbage read as a length) closes that connection,
    /// logged through `log`; the server keeps serving.
    public static func start(
        path: String,
        mode: UInt32 = 0o600,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        maxMessageBytes: Int = NetDefaults.maxMessageBytes,
        log: @escaping @Sendable (String) -> Void = NetLog.standardError,
        accept: @escaping Accept
    ) throws -> UnixSocketServer {
        try removeStaleSocket(path: path, group: group)
        let staging = try StagingSocket.make(beside: path)
        let registry = ConnectionRegistry()
        let channel: Channel
        // Without a staging folder (its path would be too long for a socket address), the
        // socket is bound in place under a umask that lets only us in until chmod below.
        let savedMask = staging == nil ? umask(0o177) : nil
        do {
            defer { if let savedMask { umask(savedMask) } }
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 64)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let transport = ChannelTransport(
                            label: "unix:\(path) client", eventLoop: channel.eventLoop, handler: nil)
                        guard let handler = accept(UnixSocketTransport(core: transport)), !transport.isClosed,
                            registry.insert(transport)
                        else {
                            transport.ended(transport.closedReason ?? "refused")
                            channel.close(promise: nil)
                            return
                        }
                        transport.setHandler(registry.tracking(transport, handler))
                        try channel.pipeline.syncOperations.addHandler(
                            LengthFramedHandler(transport: transport, maxMessageBytes: maxMessageBytes, log: log))
                    }
                }
                .bind(unixDomainSocketPath: staging?.socket ?? path)
                .wait()
        } catch {
            staging?.remove()
            if isAddressInUse(error) { throw NetError("another stet is already serving unix:\(path)") }
            throw NetError("cannot listen on unix:\(path): \(describeNetError(error))")
        }
        // The socket was made in a private folder, so it is never reachable with the umask's
        // permissions: set its own, then link it into place (atomically; fails if another
        // server got there first).
        defer { staging?.remove() }
        guard chmod(staging?.socket ?? path, mode_t(mode)) == 0 else {
            let problem = describeErrno(errno)
            channel.close(promise: nil)
            if staging == nil { unlink(path) }
            throw NetError("cannot set the permissions of unix:\(path): \(problem)")
        }
        guard staging.map({ link($0.socket, path) == 0 }) ?? true else {
            let code = errno
            channel.close(promise: nil)
            if code == EEXIST { throw NetError("another stet is already serving unix:\(path)") }
            throw NetError("cannot listen on unix:\(path): \(describeErrno(code))")
        }
        return UnixSocketServer(path: path, channel: channel, registry: registry, identity: FileIdentity(path: path))
    }

    public var connectionCount: Int { registry.count }

    /// Stops listening, closes every connection ("the server is shutting down") and removes
    /// the socket file (if it is still ours). Returns at once; idempotent.
    public func stop() {
        channel.close(promise: nil)
        if let identity, FileIdentity(path: path) == identity { unlink(path) }
        for transport in registry.stopAll() {
            transport.close(reason: "the server is shutting down")
        }
    }

    /// Makes `path` free for a new socket: nothing there is fine; a socket nobody answers on
    /// is removed; a live server or a non-socket file is an error.
    private static func removeStaleSocket(path: String, group: EventLoopGroup) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw NetError("cannot use unix:\(path): \(describeErrno(errno))")
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw NetError("cannot use unix:\(path): a file that is not a socket is in the way")
        }
        do {
            let probe = try ClientBootstrap(group: group)
                .connectTimeout(.seconds(2))
                .connect(unixDomainSocketPath: path)
                .wait()
            probe.close(promise: nil)
            throw NetError("another stet is already serving unix:\(path)")
        } catch let error as NetError {
            throw error
        } catch where isConnectionRefused(error) {
            guard unlink(path) == 0 || errno == ENOENT else {
                throw NetError("cannot remove the stale socket unix:\(path): \(describeErrno(errno))")
            }
        } catch {
            throw NetError("cannot check the existing socket unix:\(path): \(describeNetError(error))")
        }
    }
}

/// A private folder (mode 0700) beside the socket's path where the socket is created before
/// it gets its permissions and is linked into place.
private struct StagingSocket {
    let folder: String
    var socket: String { folder + "/s" }

    /// Nil when the staged socket's path would not fit in a socket address (104 bytes on
    /// some systems, 108 on Linux, with its NUL).
    static func make(beside path: String) throws -> StagingSocket? {
        let slash = path.lastIndex(of: "/")
        let parent = slash.map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? "."
        guard (parent + "/.s-XXXXXX/s").utf8.count < 104 else { return nil }
        return try StagingSocket(parent: parent, for: path)
    }

    private init(parent: String, for path: String) throws {
        var template = Array((parent + "/.s-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let made else {
            throw NetError("cannot listen on unix:\(path): cannot create a folder beside it (\(describeErrno(errno)))")
        }
        folder = String(cString: made)
    }

    func remove() {
        unlink(socket)
        rmdir(folder)
    }
}

/// Device and inode of a file: tells our socket from one a later server put at the same path.
private struct FileIdentity: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64

    init?(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

private func isAddressInUse(_ error: Error) -> Bool {
    (error as? IOError)?.errnoCode == EADDRINUSE
}
