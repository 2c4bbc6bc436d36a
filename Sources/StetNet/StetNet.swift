// StetNet: the transports that carry y-protocols messages between peers. The only module that
// imports SwiftNIO.
//
// | transport               | framing                              | created by                      |
// |-------------------------|--------------------------------------|---------------------------------|
// | `WebSocketTransport`    | one binary WebSocket message each    | `WebSocketTransport.connect`    |
// | `WebSocketServer`       | same, y-websocket compatible         | `WebSocketServer.start`         |
// | `UnixSocketTransport`   | u32 big-endian length, then message  | `UnixSocketTransport.connect`   |
// | `UnixSocketServer`      | same                                 | `UnixSocketServer.start`        |
// | `StdioTransport`        | same, over stdin/stdout              | `StdioTransport(handler:)`      |
// | `ProcessTransport`      | same, over a child's stdin/stdout    | `ProcessTransport.spawn`        |
//
// Threading: every event handler given to this module (`(TransportEvent) -> Void`) is called on
// a SwiftNIO event-loop thread, one connection's events always on the same thread and in order
// (`.opened`, then `.message`s, then exactly one `.closed`). Handlers must return quickly and must
// not block: hop to the owner's thread (for example push onto an inbox and wake its loop).
// `send` and `close` are thread-safe and never block.
//
// Every decoder treats input as hostile: a frame or message over the size limit, a protocol
// violation or garbage closes that one connection with a reason; it never crashes the process
// or stops a server.

/// Defaults shared by the transports.
public enum NetDefaults {
    /// Largest message accepted from a peer unless a caller says otherwise: 64 MiB, the limit
    /// our pycrdt test server uses (a whole document's history can arrive as one sync step 2).
    public static let maxMessageBytes = 64 * 1024 * 1024
    /// How often a WebSocket server pings each client; a client that has not answered the
    /// previous ping by the next one is dropped.
    public static let pingIntervalSeconds: Int64 = 30
    /// Most bytes waiting to be sent to one peer before it is dropped as not reading: room
    /// for one largest message plus ordinary traffic.
    public static let maxQueuedBytes = maxMessageBytes + 16 * 1024 * 1024
}

/// Errors thrown by the `start` functions of the servers (connections report problems as
/// `TransportEvent.closed` instead).
public struct NetError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Compares a presented token with the expected one in time that depends only on their
/// lengths, not on where they differ (for `accept` callbacks checking `query["token"]`).
public func tokensMatch(_ presented: String, _ expected: String) -> Bool {
    let a = Array(presented.utf8)
    let b = Array(expected.utf8)
    var difference = UInt8(a.count == b.count ? 0 : 1)
    for i in 0..<max(a.count, b.count) {
        difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
    }
    return difference == 0
}
