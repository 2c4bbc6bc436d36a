import StetCRDT

/// What an awareness operation changed, by client id (y-protocols' `change` and `update`
/// events together).
public struct AwarenessChange: Equatable, Sendable {
    /// Clients whose state appeared.
    public var added: [ClientID] = []
    /// Clients whose state changed (deeply unequal to the previous one).
    public var updated: [ClientID] = []
    /// Clients whose clock advanced with an equal state (a renewal / heartbeat).
    public var renewed: [ClientID] = []
    /// Clients whose state went away (null received, timeout, closed connection). An applied
    /// `null` for a client whose state was already gone is listed too (y-protocols does the
    /// same), so that relays pass it on.
    public var removed: [ClientID] = []
    /// Set when a peer sent `null` for *our* id while we still have a state: the state was
    /// kept and our clock moved past theirs (y-protocols); broadcast our entry again.
    public var reasserted: ClientID? = nil

    /// Creates an empty change.
    public init() {}

    /// Creates a change from its parts.
    public init(added: [ClientID] = [], updated: [ClientID] = [], renewed: [ClientID] = [], removed: [ClientID] = [], reasserted: ClientID? = nil) {
        self.added = added
        self.updated = updated
        self.renewed = renewed
        self.removed = removed
        self.reasserted = reasserted
    }

    /// Nothing happened.
    public var isEmpty: Bool { added.isEmpty && updated.isEmpty && renewed.isEmpty && removed.isEmpty && reasserted == nil }

    /// Whether something a user can see changed (states added, changed or removed).
    public var isVisible: Bool { !added.isEmpty || !updated.isEmpty || !removed.isEmpty }

    /// The entries to pass on to other peers: everything applied, as y-websocket's server
    /// re-broadcasts `added ∪ updated ∪ removed`, plus a reasserted own id.
    public var clientsToBroadcast: [ClientID] {
        var out = added + updated + renewed + removed
        if let r = reasserted, !out.contains(r) { out.append(r) }
        return out
    }

    /// Joins two changes (a client appears once, in its latest category).
    public func merged(with other: AwarenessChange) -> AwarenessChange {
        let later = Set(other.added + other.updated + other.renewed + other.removed)
        var c = AwarenessChange()
        c.added = added.filter { !later.contains($0) } + other.added
        c.updated = updated.filter { !later.contains($0) } + other.updated
        c.renewed = renewed.filter { !later.contains($0) } + other.renewed
        c.removed = removed.filter { !later.contains($0) } + other.removed
        c.reasserted = other.reasserted ?? reasserted
        return c
    }
}

/// The result of `Awareness.tick`: what changed, and the update to broadcast (our
/// renewal and the removals of timed-out peers), if any.
public struct AwarenessTick: Equatable, Sendable {
    /// Our own id in `renewed` if the local state was renewed; timed-out peers in `removed`.
    public var change: AwarenessChange
    /// The encoded awareness update to send to every peer, or nil if nothing changed.
    public var update: [UInt8]?
}

/// The awareness CRDT of y-protocols 1.0.7 (`yjs-wire.md` §8.3): every client's ephemeral
/// state (name, colour, cursor) with a clock per client; higher clocks win.
///
/// Rules, exactly as in `awareness.js`:
/// * The local clock starts at 0 with the state `{}`; every `setLocalState` (including
///   `nil`) increments it, and so does removing our own state.
/// * An entry is applied if its clock is greater than the known clock (0 for an unknown
///   client), or equal with a `null` state for a client we have. So a first entry with
///   clock 0 from an unknown client is ignored.
/// * A `null` for our own id while we have a state is not applied: our clock becomes theirs
///   plus one, and the change reports `reasserted` so that we broadcast our state again.
/// * `tick` renews our state when it is `renewInterval` (15 s) old and drops remote states
///   not renewed for `outdatedTimeout` (30 s).
///
/// One owner, one thread (like `Doc`). No clock: time is passed in.
public final class Awareness {
    /// Per-client bookkeeping: its clock and when we last accepted an entry from it.
    public struct Meta: Equatable, Sendable {
        /// The highest clock seen for the client.
        public var clock: UInt64
        /// Our time when that entry was applied.
        public var lastUpdated: Milliseconds
    }

    /// Our client id (the document's).
    public let clientID: ClientID
    /// Every known state, ours included while we have one.
    public private(set) var states: [ClientID: JSON] = [:]
    /// Clocks and times, kept for removed clients too (so stale entries stay refused).
    public private(set) var meta: [ClientID: Meta] = [:]
    /// Remote states older than this are dropped by `tick` (y-protocols: 30 000 ms).
    public var outdatedTimeout: Milliseconds = 30_000
    /// Our state is renewed by `tick` when it is this old (y-protocols: timeout / 2).
    public var renewInterval: Milliseconds = 15_000

    /// Starts with the state `{}` at clock 0, as y-protocols does.
    public init(clientID: ClientID, now: Milliseconds) {
        self.clientID = clientID
        setLocalState(.object([]), now: now)
    }

    /// Our current state, or nil after `setLocalState(nil)`.
    public var localState: JSON? { states[clientID] }

    /// Our current clock.
    public var localClock: UInt64 { meta[clientID]?.clock ?? 0 }

    /// The states of other clients.
    public var remoteStates: [ClientID: JSON] { states.filter { $0.key != clientID } }

    /// Replaces our state (nil removes it) and increments our clock.
    /// - Complexity: O(size of the state) for the equality check
    @discardableResult
    public func setLocalState(_ state: JSON?, now: Milliseconds) -> AwarenessChange {
        let clock: UInt64 = meta[clientID].map { $0.clock + 1 } ?? 0
        let prev = states[clientID]
        states[clientID] = state
        meta[clientID] = Meta(clock: clock, lastUpdated: now)
        var c = AwarenessChange()
        if state == nil {
            c.removed = [clientID]
        } else if prev == nil {
            c.added = [clientID]
        } else if let p = prev, let s = state, p.deepEquals(s) {
            c.renewed = [clientID]
        } else {
            c.updated = [clientID]
        }
        return c
    }

    /// Sets one top-level field of our state (if we have one), like y-protocols'
    /// `setLocalStateField`.
    @discardableResult
    public func setLocalStateField(_ key: String, _ value: JSON, now: Milliseconds) -> AwarenessChange {
        guard case .object(var kv)? = localState else { return AwarenessChange() }
        if let i = kv.firstIndex(where: { $0.0 == key }) { kv[i].1 = value } else { kv.append((key, value)) }
        return setLocalState(.object(kv), now: now)
    }

    /// Decodes and applies an encoded update (see `apply(_:now:)`). Nothing is applied if
    /// any entry fails to decode.
    /// - Complexity: O(bytes.count)
    public func applyUpdate(_ bytes: [UInt8], now: Milliseconds, limits: ProtocolLimits = .default, baseOffset: Int = 0) throws(ProtocolError) -> AwarenessChange {
        apply(try AwarenessUpdate.decode(bytes, limits: limits, baseOffset: baseOffset), now: now)
    }

    /// Applies a decoded update under the y-protocols rules (see the type's documentation).
    /// - Complexity: O(entries · state size)
    public func apply(_ update: AwarenessUpdate, now: Milliseconds) -> AwarenessChange {
        var c = AwarenessChange()
        for e in update.entries {
            let known = meta[e.clientID]
            let prev = states[e.clientID]
            let current = known?.clock ?? 0
            guard current < e.clock || (current == e.clock && e.state == nil && prev != nil) else { continue }
            var clock = e.clock
            if let s = e.state {
                states[e.clientID] = s
            } else if e.clientID == clientID && prev != nil {
                // a peer removed us: keep the state and move our clock past theirs
                clock += 1
                c.reasserted = clientID
            } else {
                states[e.clientID] = nil
            }
            meta[e.clientID] = Meta(clock: clock, lastUpdated: now)
            if c.reasserted == e.clientID && e.state == nil { continue }
            if let s = e.state {
                if prev == nil {
                    c.added.append(e.clientID)
                } else if let p = prev, p.deepEquals(s) {
                    c.renewed.append(e.clientID)
                } else {
                    c.updated.append(e.clientID)
                }
            } else if known != nil {
                // as y-protocols: an applied null counts as a removal even if the state was
                // already gone, so that relays pass it on
                c.removed.append(e.clientID)
            }
        }
        return c
    }

    /// The update describing `clients`: each one's clock and current state (`null` for a
    /// removed client). Clients never seen are skipped.
    /// - Complexity: O(clients · state size)
    public func update(clients: [ClientID]) -> AwarenessUpdate {
        AwarenessUpdate(entries: clients.compactMap { c in
            meta[c].map { AwarenessUpdate.Entry(clientID: c, clock: $0.clock, state: states[c]) }
        })
    }

    /// `update(clients:)`, encoded (y-protocols `encodeAwarenessUpdate`).
    public func encodeUpdate(clients: [ClientID]) -> [UInt8] {
        update(clients: clients).encoded()
    }

    /// The update holding every current state (the answer to a query, and what a host sends
    /// a new peer), ours first. Nil if there are none.
    public func encodeAllStates() -> [UInt8]? {
        var ids = states.keys.sorted()
        if let i = ids.firstIndex(of: clientID) { ids.remove(at: i); ids.insert(clientID, at: 0) }
        return ids.isEmpty ? nil : encodeUpdate(clients: ids)
    }

    /// Increments our clock without changing the state (a renewal), so that peers that
    /// dropped us accept it again. Returns false if we have no state.
    @discardableResult
    public func renewLocalState(now: Milliseconds) -> Bool {
        guard let s = localState else { return false }
        setLocalState(s, now: now)
        return true
    }

    /// Removes states (y-protocols `removeAwarenessStates`): for a closed connection, a
    /// timeout, or our own departure. Removing our own state increments our clock; remote
    /// clocks are kept so that their stale entries stay refused.
    /// - Complexity: O(clients)
    @discardableResult
    public func removeStates(clients: [ClientID], now: Milliseconds) -> AwarenessChange {
        var c = AwarenessChange()
        for id in clients where states[id] != nil {
            states[id] = nil
            if id == clientID, let m = meta[id] {
                meta[id] = Meta(clock: m.clock + 1, lastUpdated: now)
            }
            c.removed.append(id)
        }
        return c
    }

    /// Forgets the clocks of remote clients that have no state (after `removeStates` for a
    /// closed connection), so that their current entries are accepted again when they come
    /// back through a new connection. y-protocols keeps them, and a peer that reconnects
    /// then stays invisible until its next renewal (up to 15 s); forgetting is safe because
    /// entries of a closed connection can no longer arrive. Our own clock is never forgotten.
    public func forget(clients: [ClientID]) {
        for id in clients where id != clientID && states[id] == nil { meta[id] = nil }
    }

    /// The periodic check (y-protocols runs it every 3 s; calling it more often is fine):
    /// renews our state when it is `renewInterval` old and removes remote states not
    /// updated for `outdatedTimeout`.
    /// - Complexity: O(known clients)
    public func tick(now: Milliseconds) -> AwarenessTick {
        var c = AwarenessChange()
        if localState != nil, let m = meta[clientID], now - m.lastUpdated >= renewInterval {
            c = setLocalState(localState, now: now)
        }
        let stale = meta.filter { $0.key != clientID && states[$0.key] != nil && now - $0.value.lastUpdated >= outdatedTimeout }.map(\.key).sorted()
        if !stale.isEmpty { c = c.merged(with: removeStates(clients: stale, now: now)) }
        let ids = c.clientsToBroadcast
        return AwarenessTick(change: c, update: ids.isEmpty ? nil : encodeUpdate(clients: ids))
    }
}
