import Foundation
import StetSync

/// Lets an event handler name the transport it belongs to (`Inbox.post(_:from:)` wants it)
/// although the handler has to exist before the transport does: the factories call `set`
/// with the new transport before starting any I/O, so before any event.
final class SourceSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var transport: (any Transport)?

    func set(_ transport: any Transport) {
        lock.withLock { self.transport = transport }
    }

    /// A handler that posts each event into `inbox`. The transport holds this handler and
    /// the handler the transport until `.closed` (after which transports drop their handler).
    @available(macOS 15.0, iOS 18.0, *)
    func posting(to inbox: Inbox) -> @Sendable (TransportEvent) -> Void {
        { event in
            guard let source = self.lock.withLock({ self.transport }) else { return }
            inbox.post(event, from: source)
        }
    }
}
