/// Reconnect delays of y-websocket: `min(2^n · base, cap)` after the n-th consecutive
/// failure, starting at n = 0 (so 100, 200, 400, 800, 1600, 2500, 2500, … ms by default),
/// back to the start after `reset()` (call it when a connection opens).
///
/// A pure value: the caller owns the timer.
public struct Backoff: Equatable, Sendable {
    /// The first delay.
    public var base: Milliseconds
    /// The largest delay.
    public var cap: Milliseconds
    /// Consecutive failures so far.
    public private(set) var attempt: Int = 0

    /// Creates a backoff (y-websocket: base 100 ms, `maxBackoffTime` 2500 ms).
    public init(base: Milliseconds = 100, cap: Milliseconds = 2500) {
        precondition(base > 0 && cap >= base, "backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
    }

    /// The delay before attempt `n` (0-based): `min(2^n · base, cap)`, without overflow.
    public func delay(forAttempt n: Int) -> Milliseconds {
        var d = base
        var i = 0
        while i < n && d < cap {
            d = d > cap / 2 ? cap : d * 2
            i += 1
        }
        return min(d, cap)
    }

    /// The delay before the next attempt; counts the attempt.
    public mutating func next() -> Milliseconds {
        let d = delay(forAttempt: attempt)
        if attempt < Int.max { attempt += 1 }
        return d
    }

    /// Starts over (a connection succeeded).
    public mutating func reset() { attempt = 0 }
}

/// Counts local changes that no peer has yet, for "offline · N local changes".
///
/// A local transaction counts while no connection is fully synced (step 1 answered and the
/// peer's step 2 received); when one becomes fully synced, everything local has been sent
/// in our step 2 or as updates, and the count goes back to zero. A transaction made while
/// fully synced is sent at once and does not count. While we are read-only, local
/// transactions count and stay counted (they are never shared).
public struct OfflineTracker: Equatable, Sendable {
    /// Local transactions since the last confirmed sync.
    public private(set) var unsyncedChanges = 0
    /// When a connection last became fully synced.
    public private(set) var lastSynced: Milliseconds?

    /// Creates a tracker with nothing pending.
    public init() {}

    /// Records a local transaction. `shared`: whether some fully synced, writable
    /// connection sent it.
    public mutating func localChange(shared: Bool) {
        if !shared { unsyncedChanges += 1 }
    }

    /// A connection became fully synced (and we may write): everything was sent.
    public mutating func synced(now: Milliseconds) {
        unsyncedChanges = 0
        lastSynced = now
    }
}

/// The sync state as the status bar shows it.
public struct SyncStatus: Equatable, Sendable {
    /// Open connections (attached and opened; a connection attempt still waiting for
    /// `.opened` does not count).
    public var connections: Int
    /// Connections that are fully synced.
    public var syncedConnections: Int
    /// Local changes that no peer has (see `OfflineTracker`).
    public var unsyncedLocalChanges: Int
    /// Other clients with an awareness state.
    public var peers: Int
    /// Set when a peer told us we may only read.
    public var readOnlyReason: String?
    /// Traffic over all sessions, closed ones included.
    public var stats: SyncStats

    /// Creates a status.
    public init(connections: Int, syncedConnections: Int, unsyncedLocalChanges: Int, peers: Int,
                readOnlyReason: String?, stats: SyncStats) {
        self.connections = connections
        self.syncedConnections = syncedConnections
        self.unsyncedLocalChanges = unsyncedLocalChanges
        self.peers = peers
        self.readOnlyReason = readOnlyReason
        self.stats = stats
    }

    /// Whether no connection is open.
    public var offline: Bool { connections == 0 }

    /// One line for the status bar: "offline · 3 local changes", "syncing · 1 local change",
    /// "synced · 2 peers", "read-only · 1 local change not shared".
    public var summary: String {
        let n = unsyncedLocalChanges
        let changes = n == 1 ? "1 local change" : "\(n) local changes"
        if readOnlyReason != nil { return n == 0 ? "read-only" : "read-only · \(changes) not shared" }
        if connections == 0 { return n == 0 ? "offline" : "offline · \(changes)" }
        if syncedConnections == 0 { return n == 0 ? "syncing" : "syncing · \(changes)" }
        return peers == 1 ? "synced · 1 peer" : "synced · \(peers) peers"
    }
}
