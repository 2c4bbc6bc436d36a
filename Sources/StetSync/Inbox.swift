import Synchronization

/// Where transports leave what they receive, for the document's single owner to drain on
/// its own thread (see `Transport`).
///
/// Thread-safe: any number of transport threads may `post`; one owner `drain`s. `onPost`
/// runs on the posting thread after each post (e.g. to wake the owner's run loop); it
/// must not block.
@available(macOS 15.0, iOS 18.0, *)
public final class Inbox: Sendable {
    /// One event and the transport it came from.
    public struct Delivery: Sendable {
        /// The transport that reported the event.
        public let source: any Transport
        /// The event.
        public let event: TransportEvent

        /// Creates a delivery.
        public init(source: any Transport, event: TransportEvent) {
            self.source = source
            self.event = event
        }
    }

    private let queue = Mutex<[Delivery]>([])
    private let onPost: (@Sendable () -> Void)?

    /// Creates an empty inbox.
    public init(onPost: (@Sendable () -> Void)? = nil) {
        self.onPost = onPost
    }

    /// Queues `event` from `source`.
    /// - Complexity: amortized O(1)
    public func post(_ event: TransportEvent, from source: any Transport) {
        queue.withLock { $0.append(Delivery(source: source, event: event)) }
        onPost?()
    }

    /// Takes every queued delivery, oldest first.
    /// - Complexity: O(1) (the queue's storage is handed over)
    public func drain() -> [Delivery] {
        queue.withLock { q in
            let out = q
            q = []
            return out
        }
    }

    /// How many deliveries are waiting.
    public var count: Int { queue.withLock { $0.count } }
}
