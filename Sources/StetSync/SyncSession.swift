import StetCRDT

/// What one side of a connection may do to the shared document.
public enum Access: Equatable, Sendable {
    /// Reads and writes.
    case readWrite
    /// Reads only: writes are dropped by the host (and not sent by a client that knows).
    case readOnly
}

/// Traffic and policy counters of one session, for the status bar and logs.
public struct SyncStats: Equatable, Sendable {
    /// Messages received (including refused ones).
    public var messagesReceived = 0
    /// Bytes received.
    public var bytesReceived = 0
    /// Messages handed out to send.
    public var messagesSent = 0
    /// Bytes handed out to send.
    public var bytesSent = 0
    /// Sync step 2 and update messages applied to the document.
    public var updatesApplied = 0
    /// Awareness messages applied.
    public var awarenessReceived = 0
    /// Writes from a read-only peer that were dropped (host side).
    public var writesDropped = 0
    /// Local updates not sent because we are read-only (client side).
    public var localUpdatesHeld = 0
    /// Messages of unknown types, ignored.
    public var messagesIgnored = 0
    /// Messages refused with a `ProtocolError`.
    public var errors = 0

    /// Creates zeroed counters.
    public init() {}
}

/// What handling one incoming message did.
public struct Reception: Sendable {
    /// The decoded message.
    public var message: ProtocolMessage
    /// Messages to send back to this peer (a step 2 answering a step 1, a permission-denied
    /// answer, the awareness states answering a query, …), already counted as sent.
    public var replies: [[UInt8]] = []
    /// What the awareness message changed (empty for other messages). A relay passes
    /// `awarenessChange.clientsToBroadcast` on to its other peers.
    public var awarenessChange = AwarenessChange()
    /// Whether an update or step 2 was applied to the document.
    public var appliedUpdate = false
    /// Whether this message completed the first sync (the first step 2 received).
    public var becameSynced = false
    /// Whether a write from a read-only peer was dropped.
    public var droppedWrite = false
    /// The reason, if the peer told us that we may not write.
    public var permissionDenied: String? = nil
}

/// y-protocols sync and awareness with one peer, as a state machine: bytes in, bytes out.
///
/// The document and awareness belong to the caller and are used on the caller's single
/// thread; the session never does I/O and never reads a clock.
///
/// * `start` returns sync step 1 and our awareness entry (y-websocket's opening).
/// * `receive` answers step 1 with step 2, applies step 2 and updates with `origin` (so the
///   caller's `Doc.onUpdate` handler can skip that session when forwarding — updates are
///   never echoed to their source), applies awareness, answers queries, and records
///   permission-denied messages.
/// * `localUpdate` wraps one of our document updates for sending.
///
/// Read-only policy. A host that gives a peer `peerAccess: .readOnly` drops the peer's
/// step 2 and update messages when they would change the document and answers the first
/// such drop with an auth "permission denied" message (later ones are only counted). A
/// client created with `localAccess: .readOnly`, or told it is read-only by a
/// permission-denied message, holds its local updates instead of sending them.
///
/// Resync: `resync()` sends step 1 again; after an update leaves the document waiting for
/// missing structs (a gap), the session asks for them with a step 1 of its own
/// (`requestsMissing`), once per distinct gap.
public final class SyncSession {
    /// Where the session is in the y-protocols exchange.
    public enum Phase: Equatable, Sendable {
        /// Created; nothing sent yet.
        case idle
        /// Step 1 sent; waiting for the peer's step 2.
        case syncing
        /// A step 2 arrived: the peer's state is in our document.
        case synced
        /// `close` was called.
        case closed
    }

    /// The shared document.
    public let doc: Doc
    /// The shared awareness, or nil to ignore awareness messages.
    public let awareness: Awareness?
    /// The transaction origin of every update this session applies.
    public let origin: Origin
    /// What the peer may do (host policy).
    public var peerAccess: Access
    /// What we may do: `.readOnly` if configured so or told so by the peer.
    public private(set) var localAccess: Access
    /// The size limits applied to the peer's messages.
    public var limits: ProtocolLimits
    /// Whether to answer a gap (pending structs) with a step 1.
    public var requestsMissing = true

    /// The exchange's phase.
    public private(set) var phase: Phase = .idle
    /// Whether a step 2 arrived since the connection started (y-websocket's `synced`).
    public var synced: Bool { phase == .synced }
    /// Whether we answered the peer's step 1, i.e. sent it everything it lacked.
    public private(set) var answeredStep1 = false
    /// Both directions done: the peer sent us its state, and we sent it ours (and have sent
    /// every local update since). A local change counts as shared from here on.
    public var fullySynced: Bool { synced && answeredStep1 }
    /// The reason of the last permission-denied message the peer sent.
    public private(set) var permissionDenied: String?
    /// Counters.
    public private(set) var stats = SyncStats()
    /// Clients whose awareness entries arrived through this session (the relay removes
    /// them when the connection closes).
    public private(set) var awarenessClients: Set<ClientID> = []

    private var deniedOnce = false
    private var lastGap: [ClientID: Clock] = [:]

    /// Creates a session. `origin` must be unique among the sessions of `doc` (it tells
    /// the caller which session applied an update).
    public init(doc: Doc, awareness: Awareness?, origin: Origin, peerAccess: Access = .readWrite,
                localAccess: Access = .readWrite, limits: ProtocolLimits = .default) {
        self.doc = doc
        self.awareness = awareness
        self.origin = origin
        self.peerAccess = peerAccess
        self.localAccess = localAccess
        self.limits = limits
    }

    // MARK: - outgoing

    private func out(_ m: ProtocolMessage) -> [UInt8] {
        let b = m.encoded()
        stats.messagesSent += 1
        stats.bytesSent += b.count
        return b
    }

    /// Opens the exchange: sync step 1, then our awareness entry if we have a state
    /// (y-websocket's client on open).
    /// - Complexity: O(clients in the document)
    public func start() -> [[UInt8]] {
        guard phase != .closed else { return [] }
        phase = .syncing
        answeredStep1 = false
        var msgs = [out(.syncStep1(doc))]
        if let a = awareness, a.localState != nil {
            msgs.append(out(.awareness(a.encodeUpdate(clients: [a.clientID]))))
        }
        return msgs
    }

    /// Sends step 1 again (y-websocket's `resyncInterval`); the peer answers with whatever
    /// we lack.
    public func resync() -> [[UInt8]] {
        guard phase != .closed else { return [] }
        return [out(.syncStep1(doc))]
    }

    /// Wraps one of our v1 updates (from `Doc.onUpdate`) as an update message. Returns
    /// nothing when we are read-only (the update is counted in `stats.localUpdatesHeld`)
    /// or the session is closed.
    public func localUpdate(_ update: [UInt8]) -> [[UInt8]] {
        guard phase != .closed else { return [] }
        guard localAccess == .readWrite else {
            stats.localUpdatesHeld += 1
            return []
        }
        return [out(.sync(.update(update)))]
    }

    /// Wraps an encoded awareness update for sending.
    public func awarenessMessage(_ update: [UInt8]) -> [[UInt8]] {
        guard phase != .closed else { return [] }
        return [out(.awareness(update))]
    }

    /// Marks the session closed; later calls return nothing. The caller removes
    /// `awarenessClients` from the awareness (see `SyncHub`).
    public func close() {
        phase = .closed
    }

    // MARK: - incoming

    /// Handles one message and returns the replies for this peer.
    /// - Throws: `ProtocolError` for a malformed or oversized message, or an update the
    ///   document refuses; the document is unchanged and the caller should drop the
    ///   connection.
    public func receive(_ bytes: [UInt8], now: Milliseconds) throws(ProtocolError) -> [[UInt8]] {
        try handle(bytes, now: now).replies
    }

    /// Handles one message and reports everything it did (see `Reception`).
    /// - Complexity: O(message size) plus the cost of applying an update / answering a
    ///   step 1 (O(structs the peer lacks + our delete set)).
    public func handle(_ bytes: [UInt8], now: Milliseconds) throws(ProtocolError) -> Reception {
        stats.messagesReceived += 1
        stats.bytesReceived += bytes.count
        do {
            return try handleCounted(bytes, now: now)
        } catch {
            stats.errors += 1
            throw error
        }
    }

    private func handleCounted(_ bytes: [UInt8], now: Milliseconds) throws(ProtocolError) -> Reception {
        let message = try ProtocolMessage.decode(bytes, limits: limits)
        var r = Reception(message: message)
        guard phase != .closed else { return r }
        let payloadAt = ProtocolMessage.payloadOffset(in: bytes) ?? 0
        switch message {
        case .sync(.step1(let svBytes)):
            let sv: StateVector
            do {
                sv = try StateVector.decode(svBytes)
            } catch let e as Lib0DecodingError {
                throw ProtocolError(e, kind: .invalidStateVector, shift: payloadAt)
            } catch {
                throw ProtocolError(.invalidStateVector, at: payloadAt, "\(error)")
            }
            r.replies.append(out(.syncStep2(doc, answering: sv)))
            answeredStep1 = true
        case .sync(.step2(let u)):
            try applyRemote(u, payloadAt: payloadAt, into: &r)
            if phase != .synced {
                phase = .synced
                r.becameSynced = true
            }
        case .sync(.update(let u)):
            try applyRemote(u, payloadAt: payloadAt, into: &r)
        case .awareness(let u):
            guard let a = awareness else { break }
            let c = try a.applyUpdate(u, now: now, limits: limits, baseOffset: payloadAt)
            stats.awarenessReceived += 1
            for id in c.added + c.updated + c.renewed where id != a.clientID { awarenessClients.insert(id) }
            for id in c.removed { awarenessClients.remove(id) }
            r.awarenessChange = c
        case .auth(.permissionDenied(let reason)):
            permissionDenied = reason
            localAccess = .readOnly
            r.permissionDenied = reason
        case .queryAwareness:
            if let a = awareness, let all = a.encodeAllStates() { r.replies.append(out(.awareness(all))) }
        case .auth(.other), .unknown:
            stats.messagesIgnored += 1
        }
        return r
    }

    private func applyRemote(_ update: [UInt8], payloadAt: Int, into r: inout Reception) throws(ProtocolError) {
        if update == [0, 0] { return }  // the empty update (pycrdt skips it; Yjs applies it harmlessly)
        if peerAccess == .readOnly {
            let decoded: Update
            do {
                decoded = try UpdateV1.decode(update)
            } catch let e as Lib0DecodingError {
                throw ProtocolError(e, kind: .invalidUpdate, shift: payloadAt)
            } catch {
                throw ProtocolError(.invalidUpdate, at: payloadAt, "\(error)")
            }
            guard SyncSession.wouldChange(doc, decoded) else { return }
            stats.writesDropped += 1
            r.droppedWrite = true
            if !deniedOnce {
                deniedOnce = true
                r.replies.append(out(.auth(.permissionDenied(reason: "read-only: your changes are not shared"))))
            }
            return
        }
        do {
            try doc.applyUpdate(update, origin: origin)
        } catch let e as Lib0DecodingError {
            throw ProtocolError(e, kind: .invalidUpdate, shift: payloadAt)
        } catch {
            throw ProtocolError(.invalidUpdate, at: payloadAt, "\(error)")
        }
        stats.updatesApplied += 1
        r.appliedUpdate = true
        if requestsMissing {
            let gap = doc.hasPending ? doc.missingClocks : [:]
            if !gap.isEmpty && gap != lastGap {
                r.replies.append(out(.syncStep1(doc)))
            }
            lastGap = gap
        }
    }

    /// Whether applying `update` would add structs or deletions that `doc` lacks.
    /// - Complexity: O(structs in the update), plus O(items in the document) when the
    ///   update carries deletions
    public static func wouldChange(_ doc: Doc, _ update: Update) -> Bool {
        for cs in update.clients {
            let known = doc.state(of: cs.client)
            for s in cs.structs where !s.isSkip && s.endClock > known { return true }
        }
        if update.deleteSet.isEmpty { return false }
        var ours: [ClientID: [DeleteRange]] = [:]
        for (c, rs) in doc.deleteSet.normalized().clients { ours[c] = rs }
        for (c, rs) in update.deleteSet.clients {
            let known = doc.state(of: c)
            let have = ours[c] ?? []
            for r in rs {
                let end = min(r.end, known)
                var at = r.clock
                // walk our sorted ranges; any clock in [at, end) not covered is a new deletion
                for h in have where h.end > at && at < end {
                    if h.clock > at { return true }
                    at = h.end
                }
                if at < end { return true }
            }
        }
        return false
    }
}
