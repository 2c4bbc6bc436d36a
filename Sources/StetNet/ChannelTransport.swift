import NIOCore
import StetSync

/// Outbound user event asking a channel's framing handler to close gracefully: let what was
/// already sent reach the peer, say goodbye in the protocol's own way (a WebSocket close frame
/// with the reason), then close the channel.
struct CloseRequest: Sendable {
    let reason: String
}

/// A `Transport` over one NIO channel. All state lives on the channel's event loop; `send` and
/// `close` hop there, so they are thread-safe and never block.
///
/// The pipeline's last handler (`LengthFramedHandler` or `WebSocketMessageHandler`) turns the
/// `ByteBuffer` payloads written here into frames, and reports back with `attach`, `deliver`
/// and `ended`, always on the event loop.
///
/// Before the channel is attached (a connect or a WebSocket upgrade in progress) messages are
/// queued and sent, in order, once it is. Events reach the handler in the order `.opened`,
/// `.message`…, then exactly one `.closed`; nothing after `.closed`.
///
/// Writes are flushed once per event-loop turn, so messages sent together (an update and a
/// cursor move, a relay's burst) leave in one system call.
///
/// Back-pressure: a peer that stops reading makes the kernel's and then NIO's send buffers
/// fill up. When more than `maxQueuedBytes` wait in NIO's buffer, the connection is closed
/// ("… not reading") rather than letting one slow peer use up the host's memory.
final class ChannelTransport: Transport {
    let label: String
    let eventLoop: EventLoop
    let maxQueuedBytes: Int
    private let state: NIOLoopBoundBox<State>

    private enum Phase {
        case waiting([ByteBuffer])
        case open(Channel)
        case closed
    }

    private struct State {
        var phase: Phase = .waiting([])
        var handler: (@Sendable (TransportEvent) -> Void)?
        /// The reason given to `.closed`, once closed.
        var closedReason: String?
        /// A flush is scheduled for the end of this event-loop turn.
        var flushScheduled = false
    }

    /// `handler` may be nil and set later with `setHandler` (the server asks its `accept`
    /// callback for one after the transport exists).
    init(
        label: String, eventLoop: EventLoop, handler: (@Sendable (TransportEvent) -> Void)?,
        maxQueuedBytes: Int = NetDefaults.maxQueuedBytes
    ) {
        self.label = label
        self.eventLoop = eventLoop
        self.maxQueuedBytes = maxQueuedBytes
        self.state = .makeBoxSendingValue(State(handler: handler), eventLoop: eventLoop)
    }

    // MARK: Transport

    func send(_ message: [UInt8]) {
        onLoop { $0.sendOnLoop(message) }
    }

    func close(reason: String) {
        onLoop { $0.closeOnLoop(reason: reason) }
    }

    // MARK: Called on the event loop by handlers and bootstraps

    /// Sets the event handler (before any event is emitted).
    func setHandler(_ handler: @escaping @Sendable (TransportEvent) -> Void) {
        state.value.handler = handler
    }

    var isClosed: Bool {
        if case .closed = state.value.phase { return true }
        return false
    }

    /// Why the transport closed (the reason its `.closed` event carried), if it has.
    var closedReason: String? { state.value.closedReason }

    /// The channel is ready for messages: flush the queue and report `.opened`. A transport
    /// that was closed while connecting closes the channel instead. Idempotent.
    func attach(_ channel: Channel) {
        switch state.value.phase {
        case .open:
            return
        case .closed:
            channel.close(promise: nil)
        case .waiting(let queued):
            state.value.phase = .open(channel)
            emit(.opened)
            for buffer in queued { channel.write(buffer, promise: nil) }
            if !queued.isEmpty { channel.flush() }
        }
    }

    /// One whole message arrived.
    func deliver(_ message: [UInt8]) {
        guard !isClosed else { return }
        emit(.message(message))
    }

    /// The connection ended (the peer closed it, an error, a protocol violation): report
    /// `.closed(reason)` unless already closed. Closing the channel is the caller's job.
    func ended(_ reason: String) {
        guard !isClosed else { return }
        state.value.phase = .closed
        state.value.closedReason = reason
        emit(.closed(reason))
        state.value.handler = nil
    }

    // MARK: Private

    private func onLoop(_ body: @escaping @Sendable (ChannelTransport) -> Void) {
        if eventLoop.inEventLoop {
            body(self)
        } else {
            eventLoop.execute { body(self) }
        }
    }

    private func sendOnLoop(_ message: [UInt8]) {
        switch state.value.phase {
        case .waiting(var queued):
            state.value.phase = .waiting([])  // keep the array uniquely referenced
            queued.append(ByteBuffer(bytes: message))
            state.value.phase = .waiting(queued)
        case .open(let channel):
            channel.write(ByteBuffer(bytes: message), promise: nil)
            scheduleFlush(channel)
            if !channel.isWritable, let queued = try? channel.syncOptions?.getOption(.bufferedWritableBytes),
                queued > maxQueuedBytes
            {
                // On a later turn, not inside `send`: the handler hears `.closed`, and a caller
                // holding a lock while it sends (the bridge's relay) must not hear it re-entrantly.
                let reason = "the other side is not reading: \(queued / (1024 * 1024)) MiB waiting to be sent"
                eventLoop.assumeIsolated().execute { self.closeOnLoop(reason: reason) }
            }
        case .closed:
            break
        }
    }

    /// Flushes after the tasks already queued on the loop (more sends, usually) have run.
    private func scheduleFlush(_ channel: Channel) {
        guard !state.value.flushScheduled else { return }
        state.value.flushScheduled = true
        eventLoop.assumeIsolated().execute {
            self.state.value.flushScheduled = false
            channel.flush()
        }
    }

    private func closeOnLoop(reason: String) {
        let phase = state.value.phase
        guard !isClosed else { return }
        state.value.phase = .closed
        state.value.closedReason = reason
        emit(.closed(reason))
        state.value.handler = nil
        if case .open(let channel) = phase {
            channel.triggerUserOutboundEvent(CloseRequest(reason: reason), promise: nil)
        }
    }

    private func emit(_ event: TransportEvent) {
        state.value.handler?(event)
    }
}
