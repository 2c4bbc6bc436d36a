import NIOCore

/// Frames messages on a byte stream (Unix socket, pipes): each message is a u32 big-endian
/// length followed by that many bytes. Symmetric, so `cat` echoes frames unchanged.
///
/// The last handler of the pipeline: inbound it reassembles messages and hands them to the
/// transport; outbound it prefixes each `ByteBuffer` payload with its length. A length over
/// `maxMessageBytes` (or garbage that reads as one) closes the connection with a reason.
/// Works with `.allowRemoteHalfClosure`: end of input ends the transport and closes the
/// channel once everything already written has gone out.
final class LengthFramedHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let headerBytes = 4

    private let transport: ChannelTransport
    private let maxMessageBytes: Int
    private let log: (@Sendable (String) -> Void)?
    /// Bytes received but not yet delivered (a partial message).
    private var inbound: ByteBuffer?
    /// Completes when the last write has reached the kernel; closing waits for it.
    private var lastWrite: EventLoopFuture<Void>?
    private var closing = false

    init(transport: ChannelTransport, maxMessageBytes: Int, log: (@Sendable (String) -> Void)? = nil) {
        self.transport = transport
        self.maxMessageBytes = maxMessageBytes
        self.log = log
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { transport.attach(context.channel) }
    }

    func channelActive(context: ChannelHandlerContext) {
        transport.attach(context.channel)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        transport.ended(partialMessage ?? "the other side closed the connection")
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        guard !closing else { return }
        if inbound == nil {
            inbound = incoming
        } else {
            inbound!.writeBuffer(&incoming)
        }
        drain(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent {
            transport.ended(partialMessage ?? "the other side closed the connection")
            closeAfterWrites(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        transport.ended("connection error: \(describeNetError(error))")
        context.close(promise: nil)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let payload = unwrapOutboundIn(data)
        guard payload.readableBytes <= Int(UInt32.max) else {
            promise?.fail(NetError("message too large to frame"))
            return
        }
        var header = context.channel.allocator.buffer(capacity: Self.headerBytes)
        header.writeInteger(UInt32(payload.readableBytes))
        context.write(wrapOutboundOut(header), promise: nil)
        let done = promise ?? context.eventLoop.makePromise()
        lastWrite = done.futureResult
        context.write(wrapOutboundOut(payload), promise: done)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        if event is CloseRequest {
            closeAfterWrites(context: context)
            promise?.succeed(())
        } else {
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    // MARK: Private

    /// Delivers every complete message in `inbound`.
    private func drain(context: ChannelHandlerContext) {
        guard var buffer = inbound else { return }
        inbound = nil  // keep `buffer` uniquely referenced: no copy-on-write of big messages
        while buffer.readableBytes >= Self.headerBytes {
            let length = Int(buffer.getInteger(at: buffer.readerIndex, as: UInt32.self)!)
            if length > maxMessageBytes {
                violation(
                    context: context,
                    "message of \(length) bytes is over the limit of \(maxMessageBytes) bytes"
                        + " (or not a stet connection)"
                )
                return
            }
            let missing = Self.headerBytes + length - buffer.readableBytes
            if missing > 0 {
                buffer.reserveCapacity(minimumWritableBytes: missing)
                break
            }
            buffer.moveReaderIndex(forwardBy: Self.headerBytes)
            transport.deliver(buffer.readBytes(length: length)!)
            if closing { return }
        }
        if buffer.readableBytes > 0 {
            if buffer.readerIndex >= 1 << 16 { buffer.discardReadBytes() }
            inbound = buffer
        }
    }

    /// Describes a message cut off by the end of the connection, if any.
    private var partialMessage: String? {
        guard let buffer = inbound, buffer.readableBytes > 0 else { return nil }
        return "the other side closed the connection in the middle of a message"
            + " (\(buffer.readableBytes) bytes of it received)"
    }

    private func violation(context: ChannelHandlerContext, _ reason: String) {
        log?("\(transport.label): closing: \(reason)")
        transport.ended(reason)
        closing = true
        context.close(promise: nil)
    }

    /// Closes once everything written so far has been handed to the kernel (NIO fails writes
    /// still queued when a channel closes), or after a grace period if the peer stops reading.
    private func closeAfterWrites(context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        context.flush()
        guard let lastWrite else {
            context.close(promise: nil)
            return
        }
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(5)) {
            context.close(promise: nil)
        }
        lastWrite.assumeIsolated().whenComplete { _ in
            timeout.cancel()
            context.close(promise: nil)
        }
    }
}
