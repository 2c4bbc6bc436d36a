/// A message pipe to one peer (or to a relay): whole y-protocols messages, in order.
///
/// Every transport — in-memory, Unix socket, WebSocket, SSH/stdio — implements this one
/// protocol, so a new one is one file. Transports do I/O on their own threads; they never
/// touch a document. They hand what arrives to an `Inbox`, which the document's single
/// owner drains on its own thread (and passes to `SyncHub.handle(_:from:now:)`).
///
/// The delivery's `source` is the transport object the owner holds (the local end), so
/// that the owner can tell its connections apart. After `.closed`, a transport reports
/// nothing more and drops what is sent. In-process implementations: `MemoryTransport`
/// (immediate) and `SimulatedTransport` (`NetworkSimulator`: latency, loss, partitions).
public protocol Transport: AnyObject, Sendable {
    /// A short description for logs and the status bar ("unix:/srv/.stet/notes.md.sock").
    var label: String { get }
    /// Queues one whole message for sending. Thread-safe; never blocks on the network.
    func send(_ message: [UInt8])
    /// Closes the connection (idempotent); the inbox gets `.closed(reason)`.
    func close(reason: String)
}

/// What a transport reports to the document's owner.
public enum TransportEvent: Sendable {
    /// The connection is up (for transports that connect asynchronously).
    case opened
    /// One whole message from the peer.
    case message([UInt8])
    /// The connection ended; `reason` says why in words a user can act on.
    case closed(String)
}
