import NIOCore
import NIOWebSocket

/// Turns WebSocket frames into whole messages and back, after the HTTP upgrade (both roles).
///
/// * Binary messages only (y-websocket never sends text); fragmented messages are reassembled
///   up to `maxMessageBytes`; text messages are ignored.
/// * Pings are answered; a server (given `pingInterval`) pings and drops a peer that has not
///   answered the previous ping by the time of the next.
/// * Close: a `CloseRequest` sends a close frame carrying the reason, then waits briefly for
///   the peer's close frame before closing the socket (closing at once could reset the
///   connection and lose the frame). A close frame from the peer ends the transport with its
///   reason and is answered.
/// * Violations (oversized or malformed frames, unmasked client frames, reserved bits) close
///   this connection with a close code and a reason, logged through `log`.
final class WebSocketMessageHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    enum Role { case client, server }

    private let transport: ChannelTransport
    private let role: Role
    private let maxMessageBytes: Int
    private let pingInterval: TimeAmount?
    private let log: (@Sendable (String) -> Void)?

    /// A binary message whose final fragment has not arrived yet.
    private var fragments: ByteBuffer?
    /// Inside a fragmented text message, which is skipped.
    private var skippingText = false
    private var awaitingPong = false
    private var pingTask: Scheduled<Void>?
    private var closeSent = false
    /// How long to wait for the peer's close frame after sending ours.
    private static let closeGrace = TimeAmount.seconds(2)

    init(
        transport: ChannelTransport, role: Role, maxMessageBytes: Int,
        pingInterval: TimeAmount? = nil, log: (@Sendable (String) -> Void)? = nil
    ) {
        self.transport = transport
        self.role = role
        self.maxMessageBytes = maxMessageBytes
        self.pingInterval = pingInterval
        self.log = log
    }

    private var peer: String { role == .client ? "the server" : "the client" }

    func handlerAdded(context: ChannelHandlerContext) {
        schedulePing(context: context)
        if context.channel.isActive { transport.attach(context.channel) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        pingTask?.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        pingTask?.cancel()
        transport.ended("connection lost: \(peer) went away without closing the WebSocket")
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if frame.rsv1 || frame.rsv2 || frame.rsv3 {
            return violation(context: context, .protocolError, "WebSocket frame with reserved bits set")
        }
        if role == .server && frame.maskKey == nil {
            return violation(context: context, .protocolError, "unmasked WebSocket frame from a client")
        }
        var payload = frame.unmaskedData
        switch frame.opcode {
        case .binary, .text:
            guard fragments == nil && !skippingText else {
                return violation(context: context, .protocolError, "new WebSocket message inside a fragmented one")
            }
            if frame.opcode == .text {
                if !frame.fin { skippingText = true }
                log?("\(transport.label): ignoring a text message (y-websocket sends binary only)")
            } else if frame.fin {
                transport.deliver(Array(payload.readableBytesView))
            } else {
                fragments = payload
            }
        case .continuation:
            if skippingText {
                if frame.fin { skippingText = false }
                return
            }
            guard var message = fragments else {
                return violation(context: context, .protocolError, "WebSocket continuation frame without a message")
            }
            fragments = nil
            guard message.readableBytes + payload.readableBytes <= maxMessageBytes else {
                return tooLarge(context: context)
            }
            message.writeBuffer(&payload)
            if frame.fin {
                transport.deliver(Array(message.readableBytesView))
            } else {
                fragments = message
            }
        case .ping:
            if !closeSent {
                context.writeAndFlush(wrapOutboundOut(makeFrame(.pong, payload)), promise: nil)
            }
        case .pong:
            awaitingPong = false
        case .connectionClose:
            receivedClose(context: context, payload: payload)
        default:
            violation(context: context, .protocolError, "unknown WebSocket opcode \(frame.opcode)")
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        switch error {
        case NIOWebSocketError.invalidFrameLength:
            tooLarge(context: context)
        case let error as NIOWebSocketError:
            violation(context: context, .protocolError, describeNetError(error))
        default:
            let what = isTLSError(error) ? describeTLSError(error) : describeNetError(error)
            transport.ended("connection lost: \(what)")
            context.close(promise: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !closeSent else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(wrapOutboundOut(makeFrame(.binary, unwrapOutboundIn(data))), promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        if let request = event as? CloseRequest {
            sendClose(context: context, code: .normalClosure, reason: request.reason)
            promise?.succeed(())
        } else {
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    // MARK: Private

    private func makeFrame(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: opcode, maskKey: role == .client ? .random() : nil, data: data)
    }

    private func receivedClose(context: ChannelHandlerContext, payload: ByteBuffer) {
        var payload = payload
        let code = payload.readWebSocketErrorCode()
        let text = payload.readString(length: payload.readableBytes) ?? ""
        var reason = "\(peer) closed the connection"
        if !text.isEmpty {
            reason += ": \(text)"
        } else if let code, code != .normalClosure {
            reason += " (WebSocket close code \(UInt16(webSocketErrorCode: code)))"
        }
        transport.ended(reason)
        if closeSent {
            context.close(promise: nil)  // the closing handshake is complete
        } else {
            sendClose(context: context, code: code ?? .normalClosure, reason: "")
        }
    }

    private func tooLarge(context: ChannelHandlerContext) {
        violation(context: context, .messageTooLarge, "message over the limit of \(maxMessageBytes) bytes")
    }

    /// Closes this connection because the peer broke the rules; the server keeps running.
    private func violation(context: ChannelHandlerContext, _ code: WebSocketErrorCode, _ reason: String) {
        log?("\(transport.label): closing: \(reason)")
        fragments = nil
        transport.ended(reason)
        sendClose(context: context, code: code, reason: reason)
    }

    /// Sends a close frame (once), then closes the socket when the peer answers or after a
    /// grace period.
    private func sendClose(context: ChannelHandlerContext, code: WebSocketErrorCode, reason: String) {
        guard !closeSent else { return }
        closeSent = true
        pingTask?.cancel()
        var data = context.channel.allocator.buffer(capacity: 2 + 123)
        data.write(webSocketErrorCode: code)
        data.writeString(truncatedUTF8(reason, maxBytes: 123))  // control frames carry ≤ 125 bytes
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(makeFrame(.connectionClose, data)), promise: written)
        let loop = context.eventLoop.assumeIsolated()
        // Messages queued before the close frame go out first; give up on a peer that stops reading.
        loop.scheduleTask(in: .seconds(10)) { context.close(promise: nil) }
        written.futureResult.assumeIsolated().whenComplete { _ in
            loop.scheduleTask(in: Self.closeGrace) { context.close(promise: nil) }
        }
    }

    private func schedulePing(context: ChannelHandlerContext) {
        guard let pingInterval, !closeSent else { return }
        pingTask = context.eventLoop.assumeIsolated().scheduleTask(in: pingInterval) {
            guard !self.closeSent else { return }
            if self.awaitingPong {
                let millis = pingInterval.nanoseconds / 1_000_000
                let interval = millis % 1000 == 0 ? "\(millis / 1000) s" : "\(millis) ms"
                return self.violation(
                    context: context, .goingAway, "no answer to a ping for \(interval): connection presumed dead")
            }
            self.awaitingPong = true
            context.writeAndFlush(self.wrapOutboundOut(self.makeFrame(.ping, ByteBuffer(string: "stet"))), promise: nil)
            self.schedulePing(context: context)
        }
    }
}

/// The longest prefix of `text` that fits in `maxBytes` of UTF-8 without splitting a character.
func truncatedUTF8(_ text: String, maxBytes: Int) -> String {
    guard text.utf8.count > maxBytes else { return text }
    var result = ""
    var used = 0
    for character in text {
        let size = character.utf8.count
        if used + size > maxBytes { break }
        result.append(character)
        used += size
    }
    return result
}
