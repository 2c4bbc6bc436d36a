import Foundation
import StetSync

/// The live connections of a server, so that `stop()` can close them. Thread-safe.
final class ConnectionRegistry: Sendable {
    private let lock = NSLock()
    nonisolated(unsafe) private var connections: [ObjectIdentifier: ChannelTransport] = [:]
    nonisolated(unsafe) private var stopped = false

    /// Adds `transport`; false (and nothing added) once the server is stopping.
    func insert(_ transport: ChannelTransport) -> Bool {
        lock.withLock {
            guard !stopped else { return false }
            connections[ObjectIdentifier(transport)] = transport
            return true
        }
    }

    func remove(_ transport: ChannelTransport) {
        lock.withLock { _ = connections.removeValue(forKey: ObjectIdentifier(transport)) }
    }

    var count: Int { lock.withLock { connections.count } }

    /// Marks the server stopping and returns every connection (to be closed). Later calls
    /// return nothing.
    func stopAll() -> [ChannelTransport] {
        lock.withLock {
            let all = Array(connections.values)
            connections = [:]
            stopped = true
            return all
        }
    }

    /// Wraps `handler` so that the connection leaves the registry when it closes.
    func tracking(
        _ transport: ChannelTransport, _ handler: @escaping @Sendable (TransportEvent) -> Void
    ) -> @Sendable (TransportEvent) -> Void {
        { [weak self] event in
            if case .closed = event { self?.remove(transport) }
            handler(event)
        }
    }
}

/// Where servers write a line about a connection they dropped (a limit or protocol
/// violation), unless the caller passes its own `log`.
public enum NetLog {
    public static let standardError: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data(("stet: " + line + "\n").utf8))
    }
}
