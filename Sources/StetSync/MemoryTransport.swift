import Synchronization

/// An in-process transport: one end of a pair whose other end posts into another `Inbox`.
/// Delivery is immediate and in order. For deterministic tests with latency, loss of
/// connection and reordering use `NetworkSimulator`.
@available(macOS 15.0, iOS 18.0, *)
public final class MemoryTransport: Transport {
    private struct State {
        var peer: MemoryTransport?
        var closed = false
    }

    /// The label given at `pair`.
    public let label: String
    private let inbox: Inbox
    private let state = Mutex(State())

    private init(label: String, inbox: Inbox) {
        self.label = label
        self.inbox = inbox
    }

    /// Two connected ends: what `a` sends arrives in `bInbox` (from `b`) and vice versa.
    /// Both inboxes get `.opened` at once.
    public static func pair(_ aInbox: Inbox, _ bInbox: Inbox, labels: (String, String) = ("memory:a", "memory:b")) -> (a: MemoryTransport, b: MemoryTransport) {
        let a = MemoryTransport(label: labels.0, inbox: aInbox)
        let b = MemoryTransport(label: labels.1, inbox: bInbox)
        a.state.withLock { $0.peer = b }
        b.state.withLock { $0.peer = a }
        aInbox.post(.opened, from: a)
        bInbox.post(.opened, from: b)
        return (a, b)
    }

    /// Posts `message` into the other end's inbox; dropped after `close`.
    public func send(_ message: [UInt8]) {
        let peer: MemoryTransport? = state.withLock { $0.closed ? nil : $0.peer }
        peer?.receive(message)
    }

    private func receive(_ message: [UInt8]) {
        let open = state.withLock { !$0.closed }
        if open { inbox.post(.message(message), from: self) }
    }

    /// Closes both ends (idempotent): each inbox gets `.closed(reason)`.
    public func close(reason: String) {
        let peer: MemoryTransport?? = state.withLock { s in
            if s.closed { return .none }
            s.closed = true
            let p = s.peer
            s.peer = nil
            return .some(p)
        }
        guard case .some(let p) = peer else { return }
        inbox.post(.closed(reason), from: self)
        p?.remoteClosed(reason)
    }

    private func remoteClosed(_ reason: String) {
        let first: Bool = state.withLock { s in
            if s.closed { return false }
            s.closed = true
            s.peer = nil
            return true
        }
        if first { inbox.post(.closed(reason), from: self) }
    }
}
