import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import StetSync

/// A y-websocket compatible connection: each message is one binary WebSocket message.
/// Made by `WebSocketTransport.connect` (client) or handed to a `WebSocketServer`'s `accept`.
///
/// Events are delivered on a NIO event-loop thread (see `StetNet.swift`).
public final class WebSocketTransport: Transport {
    let core: ChannelTransport

    init(core: ChannelTransport) { self.core = core }

    public var label: String { core.label }
    public func send(_ message: [UInt8]) { core.send(message) }
    /// Sends a WebSocket close frame carrying `reason`, then closes.
    public func close(reason: String) { core.close(reason: reason) }

    /// Connects to `url` (`ws://host:port/room?token=…`) and returns at once; the handler gets
    /// `.opened` after the HTTP upgrade, or `.closed(reason)` if it fails, for example
    /// "cannot connect to host:port: connection refused — is `stet serve` running?" or
    /// "the server refused the connection: HTTP 403 Forbidden: bad token".
    /// Messages sent before `.opened` are queued. `wss://` URLs use TLS and check the server's
    /// certificate against the system's authorities plus `trust.caFile`.
    public static func connect(
        url: String,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        maxMessageBytes: Int = NetDefaults.maxMessageBytes,
        connectTimeout: Duration = .seconds(10),
        trust: TLSClientTrust = .system,
        handler: @escaping @Sendable (TransportEvent) -> Void
    ) -> WebSocketTransport {
        connect(url: url, group: group, maxMessageBytes: maxMessageBytes, connectTimeout: connectTimeout,
                trust: trust, handler: handler, beforeStart: { _ in })
    }

    /// `connect(url:…handler:)` posting every event into `inbox`, from this transport.
    @available(macOS 15.0, iOS 18.0, *)
    public static func connect(
        url: String,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        maxMessageBytes: Int = NetDefaults.maxMessageBytes,
        connectTimeout: Duration = .seconds(10),
        trust: TLSClientTrust = .system,
        inbox: Inbox
    ) -> WebSocketTransport {
        let source = SourceSlot()
        return connect(url: url, group: group, maxMessageBytes: maxMessageBytes, connectTimeout: connectTimeout,
                       trust: trust, handler: source.posting(to: inbox), beforeStart: source.set)
    }

    /// `beforeStart` sees the transport before any I/O starts (so before any event).
    static func connect(
        url: String, group: EventLoopGroup, maxMessageBytes: Int, connectTimeout: Duration, trust: TLSClientTrust,
        handler: @escaping @Sendable (TransportEvent) -> Void, beforeStart: (WebSocketTransport) -> Void
    ) -> WebSocketTransport {
        let loop = group.next()
        guard let parsed = WebSocketURL(url) else {
            return failed(label: url, loop: loop, handler: handler, beforeStart: beforeStart, "not a ws:// or wss:// URL: \(url)")
        }
        var tls: NIOSSLContext?
        if parsed.secure {
            switch trust.makeContext() {
            case .success(let context): tls = context
            case .failure(let error):
                return failed(label: parsed.displayString, loop: loop, handler: handler, beforeStart: beforeStart, error.description)
            }
        }
        let core = ChannelTransport(label: parsed.displayString, eventLoop: loop, handler: handler)
        let transport = WebSocketTransport(core: core)
        beforeStart(transport)
        let limit = min(maxMessageBytes, Int(UInt32.max))
        ClientBootstrap(group: loop)
            .connectTimeout(TimeAmount(connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try addClientTLS(channel: channel, context: tls, host: parsed.host) }
                    try addClientHandlers(channel: channel, core: core, url: parsed, maxMessageBytes: limit)
                }
            }
            .connect(host: parsed.host, port: parsed.port)
            .whenFailure { error in
                let hint = isConnectionRefused(error) ? " — is `stet serve` running?" : ""
                core.ended("cannot connect to \(parsed.hostAndPort): \(describeNetError(error))\(hint)")
            }
        return transport
    }

    private static func failed(
        label: String, loop: EventLoop, handler: @escaping @Sendable (TransportEvent) -> Void,
        beforeStart: (WebSocketTransport) -> Void, _ reason: String
    ) -> WebSocketTransport {
        let core = ChannelTransport(label: label, eventLoop: loop, handler: handler)
        let transport = WebSocketTransport(core: core)
        beforeStart(transport)
        loop.execute { core.ended(reason) }
        return transport
    }
}

/// HTTP/1.1 client handlers for the upgrade; the upgrader swaps them for the WebSocket ones.
private func addClientHandlers(channel: Channel, core: ChannelTransport, url: WebSocketURL, maxMessageBytes: Int) throws {
    let upgrader = NIOWebSocketClientUpgrader(
        maxFrameSize: maxMessageBytes,
        automaticErrorHandling: false,
        upgradePipelineHandler: { channel, _ in
            channel.eventLoop.makeCompletedFuture {
                let handler = WebSocketMessageHandler(transport: core, role: .client, maxMessageBytes: maxMessageBytes)
                try channel.pipeline.syncOperations.addHandler(handler)
            }
        }
    )
    let encoder = HTTPRequestEncoder()
    let decoder = ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes))
    let handshake = ClientHandshakeHandler(core: core, url: url)
    let upgradeHandler = NIOHTTPClientUpgradeHandler(
        upgraders: [upgrader],
        httpHandlers: [encoder, decoder, handshake],
        upgradeCompletionHandler: { _ in }
    )
    try channel.pipeline.syncOperations.addHandlers([encoder, decoder, upgradeHandler, handshake])
}

/// Sends the upgrade request and, if the server answers with anything but 101, reports its
/// status and body as the reason. Removed from the pipeline by a successful upgrade.
private final class ClientHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let core: ChannelTransport
    private let url: WebSocketURL
    private var status: HTTPResponseStatus?
    private var body = ""
    private var timeout: Scheduled<Void>?
    private static let timeLimit = TimeAmount.seconds(10)

    init(core: ChannelTransport, url: WebSocketURL) {
        self.core = core
        self.url = url
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: url.hostAndPort)
        headers.add(name: "User-Agent", value: "stet")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.target, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        timeout = context.eventLoop.assumeIsolated().scheduleTask(in: Self.timeLimit) {
            self.core.ended("no WebSocket handshake answer from \(self.url.hostAndPort) within 10 s")
            context.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status
        case .body(var buffer):
            if body.utf8.count < 500 { body += buffer.readString(length: min(buffer.readableBytes, 500)) ?? "" }
        case .end:
            refused(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        if status != nil {
            refused(context: context)
        } else {
            let hint = url.secure ? "" : " (if it serves wss://, use a wss:// address)"
            core.ended("\(url.hostAndPort) closed the connection during the WebSocket handshake\(hint)")
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let what: String
        switch error {
        case let error as NIOHTTPClientUpgradeError where error == .upgraderDeniedUpgrade:
            what = "the server's handshake answer is not valid WebSocket"
        case let error as NIOHTTPClientUpgradeError where error == .responseProtocolNotFound:
            what = "the server does not speak WebSocket"
        default:
            if isTLSError(error) {
                core.ended("TLS handshake with \(url.hostAndPort) failed: \(describeTLSError(error))")
                context.close(promise: nil)
                return
            }
            what = describeNetError(error)
        }
        core.ended("WebSocket handshake with \(url.hostAndPort) failed: \(what)")
        context.close(promise: nil)
    }

    private func refused(context: ChannelHandlerContext) {
        timeout?.cancel()
        var reason = "the server refused the connection"
        if let status { reason += ": HTTP \(status.code) \(status.reasonPhrase)" }
        let text = body.trimmingWhitespace()
        if !text.isEmpty { reason += ": \(text)" }
        core.ended(reason)
        context.close(promise: nil)
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
