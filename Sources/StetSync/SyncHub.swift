import StetCRDT

/// Something a `SyncHub` reports to the UI.
public enum SyncEvent: Equatable, Sendable {
    /// A connection finished its first sync (label of the transport).
    case synced(String)
    /// Awareness states appeared, changed or went away.
    case awareness(AwarenessChange)
    /// A peer told us we may only read.
    case permissionDenied(String)
    /// A write from a read-only peer was dropped.
    case writeDropped(String)
    /// A connection ended (label, reason). Protocol errors end connections too.
    case disconnected(String, String)
}

/// One shared document over any number of connections: a client has one, a host or relay
/// many, a mesh node several. It wires `SyncSession`s to `Transport`s:
///
/// * our local document updates go to every connection;
/// * an update applied from one connection goes to every *other* connection (a relay),
///   never back to its source — except when it also released structs that had been waiting
///   for it, which the source may lack;
/// * awareness entries are applied once and passed on to the other connections; the
///   clients introduced by a connection are removed (and the removal broadcast) when it
///   closes, as y-websocket's server does, and their clocks forgotten so that they are
///   accepted again at once when they come back (`Awareness.forget`); our renewal and
///   timeouts run in `tick`;
/// * a peer that sends a malformed message is disconnected with the error as the reason —
///   the process and the other connections carry on;
/// * it keeps the `OfflineTracker` and the totals for `status`.
///
/// Known limit (inherited from y-protocols' clock rule): in a chain of relays, when a link
/// in the middle reconnects, a relay further away may have applied the removal of a
/// client behind that link at the client's current clock; it then refuses the same entry
/// when it comes back and shows the client again only after the client's next renewal
/// (at most 15 s). Stars (one host or relay) and direct pairs are not affected: a client
/// that reconnects renews its own clock.
///
/// Reconnecting is the transport owner's job (new transport → `attach`; use `Backoff`);
/// resync on reconnect is the ordinary step 1 / step 2 exchange that `attach` starts.
///
/// One owner, one thread: call everything from the thread that owns `doc`.
public final class SyncHub {
    /// Hub-wide settings.
    public struct Options: Sendable {
        /// Send step 1 on every connection this often (y-websocket's `resyncInterval`),
        /// or never.
        public var resyncInterval: Milliseconds?
        /// Limits for every peer's messages.
        public var limits: ProtocolLimits

        /// Creates options.
        public init(resyncInterval: Milliseconds? = nil, limits: ProtocolLimits = .default) {
            self.resyncInterval = resyncInterval
            self.limits = limits
        }
    }

    private final class Connection {
        let transport: any Transport
        let session: SyncSession
        var started = false
        var lastResync: Milliseconds
        init(transport: any Transport, session: SyncSession, now: Milliseconds) {
            self.transport = transport
            self.session = session
            self.lastResync = now
        }
    }

    /// The shared document.
    public let doc: Doc
    /// The shared awareness (its client id should be the document's).
    public let awareness: Awareness
    /// Settings.
    public var options: Options
    /// Called for everything the UI may want to show.
    public var onEvent: ((SyncEvent) -> Void)?
    /// Local changes not yet shared.
    public private(set) var tracker = OfflineTracker()

    private var connections: [ObjectIdentifier: Connection] = [:]
    private var order: [ObjectIdentifier] = []
    private var byOrigin: [Origin: ObjectIdentifier] = [:]
    private var owner: [ClientID: ObjectIdentifier] = [:]
    private var closedStats = SyncStats()
    private var observer: Int?
    private var counter = 0
    /// The connection whose message is being handled, and whether the document had pending
    /// structs before it.
    private var inbound: (id: ObjectIdentifier, hadPending: Bool)?
    private var readOnlyReason: String?

    /// Creates a hub and starts observing `doc`'s updates.
    public init(doc: Doc, awareness: Awareness, options: Options = Options()) {
        self.doc = doc
        self.awareness = awareness
        self.options = options
        observer = doc.onUpdate { [weak self] u, origin in
            self?.documentUpdated(UpdateV1.encode(u), origin: origin)
        }
    }

    deinit {
        if let o = observer { doc.removeObserver(o) }
    }

    /// The sessions of the open connections, in attach order.
    public var sessions: [SyncSession] { order.compactMap { connections[$0]?.session } }

    /// The session of `transport`, if attached.
    public func session(for transport: any Transport) -> SyncSession? {
        connections[ObjectIdentifier(transport)]?.session
    }

    /// Starts syncing over `transport`. With `waitForOpen`, nothing is sent until the
    /// transport reports `.opened`. The session sends step 1 and our awareness entry (with
    /// a renewed clock, so that a peer that removed us takes it), and a host also sends the
    /// other states it knows, as y-websocket's server does.
    @discardableResult
    public func attach(_ transport: any Transport, peerAccess: Access = .readWrite, localAccess: Access = .readWrite,
                       waitForOpen: Bool = false, now: Milliseconds) -> SyncSession {
        let id = ObjectIdentifier(transport)
        if let c = connections[id] { return c.session }
        counter += 1
        let origin = "stet.sync.\(counter)"
        let s = SyncSession(doc: doc, awareness: awareness, origin: origin, peerAccess: peerAccess,
                            localAccess: localAccess, limits: options.limits)
        let c = Connection(transport: transport, session: s, now: now)
        connections[id] = c
        order.append(id)
        byOrigin[origin] = id
        if !waitForOpen { start(c, now: now) }
        return s
    }

    private func start(_ c: Connection, now: Milliseconds) {
        guard !c.started else { return }
        c.started = true
        c.lastResync = now
        awareness.renewLocalState(now: now)
        var msgs = c.session.start()
        let others = awareness.states.keys.filter { $0 != awareness.clientID }.sorted()
        if !others.isEmpty { msgs += c.session.awarenessMessage(awareness.encodeUpdate(clients: others)) }
        send(msgs, on: c)
    }

    private func send(_ msgs: [[UInt8]], on c: Connection) {
        for m in msgs { c.transport.send(m) }
    }

    /// Handles one transport event (from an `Inbox`, or a transport's callback).
    public func handle(_ event: TransportEvent, from transport: any Transport, now: Milliseconds) {
        let id = ObjectIdentifier(transport)
        guard let c = connections[id] else { return }
        switch event {
        case .opened:
            start(c, now: now)
        case .closed(let reason):
            detach(id, reason: reason, now: now)
        case .message(let bytes):
            receive(bytes, on: c, id: id, now: now)
        }
    }

    private func receive(_ bytes: [UInt8], on c: Connection, id: ObjectIdentifier, now: Milliseconds) {
        if !c.started { start(c, now: now) }
        let wasFullySynced = c.session.fullySynced
        inbound = (id, doc.hasPending)
        defer { inbound = nil }
        let r: Reception
        do {
            r = try c.session.handle(bytes, now: now)
        } catch {
            inbound = nil
            c.transport.close(reason: "protocol error from peer: \(error)")
            detach(id, reason: "protocol error: \(error)", now: now)
            return
        }
        inbound = nil
        send(r.replies, on: c)
        if r.becameSynced { onEvent?(.synced(c.transport.label)) }
        if c.session.fullySynced && !wasFullySynced && c.session.localAccess == .readWrite {
            tracker.synced(now: now)
        }
        if r.droppedWrite { onEvent?(.writeDropped(c.transport.label)) }
        if let reason = r.permissionDenied {
            readOnlyReason = reason
            onEvent?(.permissionDenied(reason))
        }
        let change = r.awarenessChange
        if !change.isEmpty {
            for cid in change.added + change.updated + change.renewed where cid != awareness.clientID { owner[cid] = id }
            for cid in change.removed where owner[cid] == id { owner[cid] = nil }
            let forward = change.added + change.updated + change.renewed + change.removed
            if !forward.isEmpty {
                let u = awareness.encodeUpdate(clients: forward)
                for other in order where other != id { if let o = connections[other], o.started { send(o.session.awarenessMessage(u), on: o) } }
            }
            if change.reasserted != nil {
                let u = awareness.encodeUpdate(clients: [awareness.clientID])
                for k in order { if let o = connections[k], o.started { send(o.session.awarenessMessage(u), on: o) } }
            }
            if change.isVisible { onEvent?(.awareness(change)) }
        }
    }

    private func documentUpdated(_ update: [UInt8], origin: Origin?) {
        let source = origin.flatMap { byOrigin[$0] }
        var shared = false
        for k in order {
            guard let c = connections[k], c.started else { continue }
            if k == source {
                // the source has what it sent, but maybe not the structs its update released
                guard let i = inbound, i.id == k, i.hadPending else { continue }
            }
            let msgs = c.session.localUpdate(update)
            if !msgs.isEmpty && c.session.fullySynced { shared = true }
            send(msgs, on: c)
        }
        if source == nil { tracker.localChange(shared: shared) }
    }

    private func detach(_ id: ObjectIdentifier, reason: String, now: Milliseconds) {
        guard let c = connections.removeValue(forKey: id) else { return }
        order.removeAll { $0 == id }
        byOrigin[c.session.origin] = nil
        c.session.close()
        add(c.session.stats, to: &closedStats)
        let gone = owner.filter { $0.value == id }.map(\.key).sorted()
        for g in gone { owner[g] = nil }
        let change = awareness.removeStates(clients: gone, now: now)
        if !change.removed.isEmpty {
            broadcastAwareness(clients: change.removed)
            onEvent?(.awareness(change))
        }
        awareness.forget(clients: gone)
        onEvent?(.disconnected(c.transport.label, reason))
    }

    /// Closes `transport`'s connection from our side (with `reason` for the peer's log) and
    /// forgets its session.
    public func disconnect(_ transport: any Transport, reason: String, now: Milliseconds) {
        let id = ObjectIdentifier(transport)
        guard connections[id] != nil else { return }
        transport.close(reason: reason)
        detach(id, reason: reason, now: now)
    }

    private func broadcastAwareness(clients: [ClientID]) {
        guard !clients.isEmpty else { return }
        let u = awareness.encodeUpdate(clients: clients)
        for k in order { if let c = connections[k], c.started { send(c.session.awarenessMessage(u), on: c) } }
    }

    /// The access of the connection that introduced awareness client `id` (nil if unknown
    /// or it is us).
    public func peerAccess(ofClient id: ClientID) -> Access? {
        guard let c = owner[id], let connection = connections[c] else { return nil }
        return connection.session.peerAccess
    }

    /// Sets our awareness state (nil: we are leaving) and sends it everywhere.
    @discardableResult
    public func setLocalState(_ state: JSON?, now: Milliseconds) -> AwarenessChange {
        let c = awareness.setLocalState(state, now: now)
        broadcastAwareness(clients: [awareness.clientID])
        return c
    }

    /// Periodic work; call it every second or so (y-protocols checks every 3 s): renews our
    /// awareness state, drops peers silent for 30 s (and tells the others), and sends step 1
    /// on every connection when `options.resyncInterval` has passed.
    public func tick(now: Milliseconds) {
        let t = awareness.tick(now: now)
        for g in t.change.removed { owner[g] = nil }
        if let u = t.update {
            for k in order { if let c = connections[k], c.started { send(c.session.awarenessMessage(u), on: c) } }
        }
        if t.change.isVisible { onEvent?(.awareness(t.change)) }
        if let every = options.resyncInterval {
            for k in order {
                guard let c = connections[k], c.started, now - c.lastResync >= every else { continue }
                c.lastResync = now
                send(c.session.resync(), on: c)
            }
        }
    }

    /// Leaves politely: our awareness state becomes null (so peers remove our cursor at once,
    /// not after 30 s), then every connection is closed.
    public func leave(reason: String = "left", now: Milliseconds) {
        setLocalState(nil, now: now)
        for k in order {
            guard let c = connections[k] else { continue }
            c.transport.close(reason: reason)
            detach(k, reason: reason, now: now)
        }
    }

    /// The status bar's view.
    public var status: SyncStatus {
        var total = closedStats
        var synced = 0, open = 0
        for k in order {
            guard let c = connections[k] else { continue }
            add(c.session.stats, to: &total)
            if c.started { open += 1 }
            if c.session.fullySynced { synced += 1 }
        }
        return SyncStatus(connections: open, syncedConnections: synced,
                          unsyncedLocalChanges: tracker.unsyncedChanges,
                          peers: awareness.states.keys.filter { $0 != awareness.clientID }.count,
                          readOnlyReason: readOnlyReason, stats: total)
    }

    private func add(_ s: SyncStats, to t: inout SyncStats) {
        t.messagesReceived += s.messagesReceived
        t.bytesReceived += s.bytesReceived
        t.messagesSent += s.messagesSent
        t.bytesSent += s.bytesSent
        t.updatesApplied += s.updatesApplied
        t.awarenessReceived += s.awarenessReceived
        t.writesDropped += s.writesDropped
        t.localUpdatesHeld += s.localUpdatesHeld
        t.messagesIgnored += s.messagesIgnored
        t.errors += s.errors
    }
}

@available(macOS 15.0, iOS 18.0, *)
extension SyncHub {
    /// Handles everything waiting in `inbox`, in order.
    public func drain(_ inbox: Inbox, now: Milliseconds) {
        for d in inbox.drain() { handle(d.event, from: d.source, now: now) }
    }
}
