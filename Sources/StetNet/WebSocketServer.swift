import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import StetSync
import Synchronization

/// A y-websocket compatible server: one connection per client, the room taken from the URL
/// path as y-websocket clients send it (`ws://host:port/<room>?<params>`).
public final class WebSocketServer: Sendable {
    /// Decides about one upgrade request: `room` is the URL path without the leading "/" and
    /// without the query, percent-decoded; `query` holds the URL parameters (a `token`, say).
    /// Return the connection's event handler to accept it (it gets `.opened` once the upgrade
    /// is done; messages sent on `transport` earlier are queued), or nil to refuse it with
    /// HTTP 401 (no `token` parameter) or 403. Call `transport.close(reason:)` before
    /// returning nil to give the client a reason ("invalid token"). Runs on an event loop.
    public typealias Accept = @Sendable (_ room: String, _ query: [String: String], _ transport: Transport)
        -> (@Sendable (TransportEvent) -> Void)?

    /// The port actually bound (useful when started with port 0).
    public let port: Int
    private let channel: Channel
    private let registry: ConnectionRegistry
    /// The certificate new connections get (nil: plain ws://).
    private let identity: IdentitySlot

    private init(port: Int, channel: Channel, registry: ConnectionRegistry, identity: IdentitySlot) {
        self.port = port
        self.channel = channel
        self.registry = registry
        self.identity = identity
    }

    /// Binds `host:port` (port 0: an ephemeral port, see `port`) and starts serving. Blocks
    /// until bound; do not call it on an event-loop thread.
    ///
    /// - Parameters:
    ///   - maxMessageBytes: a frame or message over this closes that connection (code 1009),
    ///     logged through `log`; the server keeps serving.
    ///   - pingInterval: each client is pinged this often and dropped if it has not answered
    ///     the previous ping.
    ///   - maxQueuedBytes: a client with more than this waiting to be sent to it (it stopped
    ///     reading) is dropped.
    ///   - tls: serve `wss://` with this certificate (nil: plain `ws://`). A client that does
    ///     not speak TLS, or fails the handshake, is dropped and logged.
    public static func start(
        host: String = "127.0.0.1",
        port: Int = 0,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        tls: TLSServerIdentity? = nil,
        maxMessageBytes: Int = NetDefaults.maxMessageBytes,
        maxQueuedBytes: Int = NetDefaults.maxQueuedBytes,
        pingInterval: Duration = .seconds(NetDefaults.pingIntervalSeconds),
        log: @escaping @Sendable (String) -> Void = NetLog.standardError,
        accept: @escaping Accept
    ) throws -> WebSocketServer {
        let registry = ConnectionRegistry()
        let identity = IdentitySlot(tls)
        let settings = ConnectionSettings(
            maxMessageBytes: min(maxMessageBytes, Int(UInt32.max)), maxQueuedBytes: maxQueuedBytes,
            pingInterval: TimeAmount(pingInterval), log: log, accept: accept, registry: registry)
        let channel: Channel
        do {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 128)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls = identity.current { try addServerTLS(channel: channel, identity: tls) }
                        try addServerHandlers(channel: channel, settings: settings)
                    }
                }
                .bind(host: host, port: port)
                .wait()
        } catch {
            throw NetError("cannot listen on \(host):\(port): \(describeNetError(error))")
        }
        return WebSocketServer(
            port: channel.localAddress?.port ?? port, channel: channel, registry: registry, identity: identity)
    }

    /// Serves new connections with `identity` from now on (a renewed certificate); open
    /// connections keep theirs. Only for a server started with `tls`.
    public func replaceTLSIdentity(_ identity: TLSServerIdentity) {
        self.identity.replace(with: identity)
    }

    /// How many clients are connected (upgraded, or accepted and upgrading).
    public var connectionCount: Int { registry.count }

    /// Stops listening and closes every connection with a close frame saying so; each client
    /// gets `.closed("the server closed the connection: the server is shutting down")`.
    /// Returns at once; idempotent.
    public func stop() {
        channel.close(promise: nil)
        for transport in registry.stopAll() {
            transport.close(reason: "the server is shutting down")
        }
    }
}

/// The TLS identity new connections get, replaceable while serving.
private final class IdentitySlot: Sendable {
    private let value: Mutex<TLSServerIdentity?>
    init(_ identity: TLSServerIdentity?) { value = Mutex(identity) }
    var current: TLSServerIdentity? { value.withLock { $0 } }
    /// Replaces a TLS identity; a plain server stays plain.
    func replace(with identity: TLSServerIdentity) {
        value.withLock { if $0 != nil { $0 = identity } }
    }
}

/// What every connection of one server shares.
private struct ConnectionSettings: Sendable {
    let maxMessageBytes: Int
    let maxQueuedBytes: Int
    let pingInterval: TimeAmount
    let log: @Sendable (String) -> Void
    let accept: WebSocketServer.Accept
    let registry: ConnectionRegistry
}

/// Per-connection state of the handshake, on the connection's event loop.
private struct Handshake {
    /// The accepted connection's transport, once `accept` said yes.
    var transport: ChannelTransport?
    /// Why `accept` said no (and whether a token was offered), if it did.
    var refusal: (reason: String, hadToken: Bool)?
}

private func addServerHandlers(channel: Channel, settings: ConnectionSettings) throws {
    let handshake = NIOLoopBoundBox(Handshake(), eventLoop: channel.eventLoop)
    let remote = channel.remoteAddress.map(describeAddress) ?? "?"
    let upgrader = NIOWebSocketServerUpgrader(
        maxFrameSize: settings.maxMessageBytes,
        automaticErrorHandling: false,
        shouldUpgrade: { channel, head in
            channel.eventLoop.makeCompletedFuture {
                decide(head: head, remote: remote, channel: channel, handshake: handshake, settings: settings)
            }
        },
        upgradePipelineHandler: { channel, _ in
            channel.eventLoop.makeCompletedFuture {
                guard let transport = handshake.value.transport else { throw ChannelError.inappropriateOperationForState }
                let handler = WebSocketMessageHandler(
                    transport: transport, role: .server, maxMessageBytes: settings.maxMessageBytes,
                    pingInterval: settings.pingInterval, log: settings.log)
                try channel.pipeline.syncOperations.addHandler(handler)
            }
        }
    )
    let encoder = HTTPResponseEncoder()
    let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
    let errors = HTTPServerProtocolErrorHandler()
    let fallback = PlainHTTPHandler(handshake: handshake, log: settings.log, remote: remote)
    let upgradeHandler = HTTPServerUpgradeHandler(
        upgraders: [upgrader], httpEncoder: encoder,
        extraHTTPHandlers: [decoder, errors, fallback], upgradeCompletionHandler: { _ in })
    try channel.pipeline.syncOperations.addHandlers([encoder, decoder, errors, upgradeHandler, fallback])
}

/// Asks `accept` about an upgrade request; extra response headers, or nil to refuse.
private func decide(
    head: HTTPRequestHead, remote: String, channel: Channel,
    handshake: NIOLoopBoundBox<Handshake>, settings: ConnectionSettings
) -> HTTPHeaders? {
    let (room, query) = parseRequestTarget(head.uri)
    let transport = ChannelTransport(
        label: "ws:/\(room) from \(remote)", eventLoop: channel.eventLoop, handler: nil, maxQueuedBytes: settings.maxQueuedBytes)
    let handler = settings.accept(room, query, WebSocketTransport(core: transport))
    guard let handler, !transport.isClosed else {
        let reason = transport.closedReason ?? "not allowed"
        transport.ended(reason)
        handshake.value.refusal = (reason, query["token"] != nil)
        return nil
    }
    guard settings.registry.insert(transport) else {
        handshake.value.refusal = ("the server is shutting down", true)
        return nil
    }
    transport.setHandler(settings.registry.tracking(transport, handler))
    handshake.value.transport = transport
    return HTTPHeaders()
}

/// Answers every HTTP request that does not become a WebSocket: a refused upgrade (401/403
/// with the reason) or a plain request (400). Also drops connections that do not finish a
/// handshake within 10 s. Removed from the pipeline by a successful upgrade.
private final class PlainHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handshake: NIOLoopBoundBox<Handshake>
    private let log: @Sendable (String) -> Void
    private let remote: String
    private var timeout: Scheduled<Void>?
    private var answered = false
    /// The upgrade request was malformed (no key, wrong version).
    private var badHandshake = false

    init(handshake: NIOLoopBoundBox<Handshake>, log: @escaping @Sendable (String) -> Void, remote: String) {
        self.handshake = handshake
        self.log = log
        self.remote = remote
    }

    func handlerAdded(context: ChannelHandlerContext) {
        timeout = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(10)) {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data), !answered else { return }
        answered = true
        if let refusal = handshake.value.refusal {
            let status: HTTPResponseStatus = refusal.hadToken ? .forbidden : .unauthorized
            respond(context: context, status: status, body: refusal.reason)
        } else if badHandshake {
            respond(context: context, status: .badRequest, body: "Invalid WebSocket upgrade request.")
        } else {
            respond(
                context: context, status: .badRequest,
                body: "This is a stet sync server (y-websocket protocol); connect with a WebSocket client.")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshake.value.transport?.ended("the client went away during the WebSocket handshake")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        switch error {
        case is NIOWebSocketUpgradeError:
            // A refused or malformed upgrade: the request comes through next and is answered.
            if handshake.value.refusal == nil { badHandshake = true }
        case is HTTPParserError:
            // Not HTTP: the protocol error handler answers 400 and the decoder closes.
            log("ws: dropping connection from \(remote): not an HTTP request")
        default:
            if isTLSError(error) {
                let reason = describeTLSError(error, asServer: true)
                log("wss: dropping connection from \(remote): TLS handshake failed: \(reason)")
                handshake.value.transport?.ended("TLS handshake failed: \(reason)")
                context.close(promise: nil)
                return
            }
            log("ws: dropping connection from \(remote): \(describeNetError(error))")
            handshake.value.transport?.ended("WebSocket handshake failed: \(describeNetError(error))")
            context.close(promise: nil)
        }
    }

    private func respond(context: ChannelHandlerContext, status: HTTPResponseStatus, body: String) {
        let bytes = ByteBuffer(string: body + "\n")
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: String(bytes.readableBytes))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

/// "127.0.0.1:54321", "[::1]:54321", or a Unix socket path.
func describeAddress(_ address: SocketAddress) -> String {
    switch address {
    case .v4: return "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
    case .v6: return "[\(address.ipAddress ?? "?")]:\(address.port ?? 0)"
    case .unixDomainSocket: return address.pathname ?? "unix socket"
    }
}
