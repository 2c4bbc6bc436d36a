import StetCRDT
import StetEditor
import StetSync
import StetText

/// Live collaboration for a `Session`: the sync hub over every connection, presence in
/// both directions (our cursor out, peers' cursors into the editor), and the connection
/// state for the status bar. Transports (from `StetNet`) post into `inbox` from their
/// threads; the owner calls `pump` on the session's thread after a wake-up.
public final class Collaboration {
    public let session: Session
    public let hub: SyncHub
    public let inbox: Inbox
    public let identity: Identity
    /// What we are: the host of the file (others join us) or a guest.
    public enum Role: Equatable, Sendable { case host, guest }
    public var role: Role
    /// A guest's connection to its host (nil while reconnecting or offline).
    public private(set) var link: (any Transport)?
    var lastSelection: Selection?
    var lastActivity: [ClientID: Milliseconds] = [:]
    var lastStates: [ClientID: JSON] = [:]
    var justSynced = false
    /// The document's state when the link to the host dropped (for "since you were away").
    var awayFrom: StateVector?
    /// What others changed while we were away, in their colours, and who.
    public private(set) var awayChanges: [Highlight] = []
    public private(set) var awaySummary = ""
    /// The reason the last connection ended, for the status bar.
    public private(set) var lastProblem: String?
    /// The link has been synced once: a new attempt is a reconnection.
    var wasConnected = false
    /// Guest: how many times we asked the host to save, whether we wait for it, and what
    /// its file held when we asked.
    var saveRequests = 0
    /// The host told us we may only read.
    var toldReadOnly = false
    var awaitingSave = false
    var savedWhenAsked: String?
    var failuresWhenAsked = 0
    /// Host: why the last requested save failed (published until a save works).
    var saveProblem: String?
    var saveFailures = 0
    /// Host: the highest save request handled per client, and one waiting for the pump.
    var handledSaveRequests: [ClientID: Int] = [:]
    var requestedSaveBy: String?
    /// Host: the `saved` value last published.
    var publishedSaved: String?
    var lastNow: Milliseconds = 0
    /// Guests that may only read (by transport).
    var readOnlyTransports: Set<ObjectIdentifier> = []
    /// Decides whether a guest that connected on its own (a listener's accept) may only read.
    public var isReadOnly: (ObjectIdentifier) -> Bool = { _ in false }

    /// False for a participant nobody should see (`stet bridge` hosting a file for an ssh
    /// guest): it never publishes an awareness state, so it is in no one's peers list.
    public let isVisible: Bool

    public init(
        session: Session, identity: Identity, role: Role, visible: Bool = true, now: Milliseconds,
        wake: (@Sendable () -> Void)? = nil
    ) {
        self.session = session
        self.identity = identity
        self.role = role
        self.isVisible = visible
        inbox = Inbox(onPost: wake)
        let awareness = Awareness(clientID: session.doc.clientID, now: now)
        hub = SyncHub(doc: session.doc, awareness: awareness)
        hub.onEvent = { [unowned self] e in self.event(e) }
        publishPresence(now: now)
        session.editor.register(NamedCommand(["away"], help: "show what others changed while you were offline (Esc hides it)") { [unowned self] e, _ in
            guard !self.awayChanges.isEmpty else {
                e.info("nothing changed while you were away (or you were not away)")
                return []
            }
            e.show(self.awayChanges)
            e.info("while you were away: " + self.awaySummary + " — Esc hides the colours")
            return []
        })
    }

    /// Starts syncing over a new connection (a guest of ours, or our link to the host).
    public func attach(_ t: any Transport, readOnly: Bool = false, isLink: Bool = false, waitForOpen: Bool = false, now: Milliseconds) {
        if readOnly { readOnlyTransports.insert(ObjectIdentifier(t)) }
        if isLink { link = t }
        hub.attach(t, peerAccess: readOnly ? .readOnly : .readWrite, waitForOpen: waitForOpen, now: now)
        updateStatus()
    }

    /// Handles everything the transports posted; returns true when something changed on screen.
    @discardableResult
    public func pump(now: Milliseconds) -> Bool {
        let deliveries = inbox.drain()
        for d in deliveries {
            if hub.session(for: d.source) == nil {
                // A new guest announces itself with .opened (see the server's accept).
                guard case .opened = d.event else { continue }
                attach(d.source, readOnly: isReadOnly(ObjectIdentifier(d.source)), now: now)
            }
            hub.handle(d.event, from: d.source, now: now)
        }
        if justSynced {
            // Our cursor was published before we had the text: publish it against the text.
            justSynced = false
            publishPresence(now: now)
            if let sv = awayFrom {
                awayFrom = nil
                computeAway(since: sv)
            }
        }
        lastNow = now
        performRequestedSave(now: now)
        if !deliveries.isEmpty {
            // Others' edits can make our published cursor resolve elsewhere (a position at
            // the end of the text follows text added there): republish only then.
            if publishedCursorDrifted() { publishPresence(now: now) }
            refreshPeers(now: now)
            followHostsSave()
        }
        republishIfSaved(now: now)
        updateStatus()
        return !deliveries.isEmpty
    }

    /// After each key: our cursor goes out when it moved.
    public func afterInput(now: Milliseconds) {
        lastNow = now
        if session.editor.selection != lastSelection { publishPresence(now: now) }
        republishIfSaved(now: now)
        followHostsSave()
        refreshPeers(now: now)
        updateStatus()
    }

    /// About once a second: awareness renewal and timeouts.
    public func tick(now: Milliseconds) {
        lastNow = now
        republishIfSaved(now: now)
        hub.tick(now: now)
        refreshPeers(now: now)
        updateStatus()
    }

    /// Leaves politely (peers drop our cursor at once).
    public func leave(now: Milliseconds) {
        hub.leave(reason: "\(identity.name) left", now: now)
    }

    /// Our awareness state: `user` and `cursor` as other Yjs editors read them.
    func publishPresence(now: Milliseconds) {
        let e = session.editor
        lastSelection = e.selection
        let field = stetField()
        publishedSaved = field?.saved
        guard isVisible else {
            // Nobody to see, but a host still says what its file holds.
            let state: JSON? = field.map { .object([("stet", $0.json)]) }
            if hub.awareness.localState != state { hub.setLocalState(state, now: now) }
            return
        }
        let rope = e.buffer.rope
        let sel = TextSelection(anchor: rope.utf16Offset(of: e.selection.anchor).value, head: rope.utf16Offset(of: e.selection.head).value)
        var state = Presence.state(name: identity.name, color: identity.color, selection: sel, in: e.buffer.text)
        if let field, case .object(var kv) = state {
            kv.append(("stet", field.json))
            state = .object(kv)
        }
        hub.setLocalState(state, now: now)
    }

    // MARK: - Saving the shared file for a guest

    /// The `stet` field of our awareness state: a host with a file says which and what it
    /// holds; a guest counts its save requests.
    func stetField() -> Presence.StetField? {
        switch role {
        case .host:
            guard session.hasStore, session.path != nil else { return nil }
            return Presence.StetField(
                file: session.editor.displayName, saved: session.savedVector.map(Presence.vectorString), problem: saveProblem,
                failures: saveFailures > 0 ? saveFailures : nil)
        case .guest:
            return saveRequests > 0 ? Presence.StetField(save: saveRequests) : nil
        }
    }

    /// Host: after a save (ours or requested), guests learn what the file holds.
    func republishIfSaved(now: Milliseconds) {
        guard role == .host, session.hasStore, session.path != nil else { return }
        if session.savedVector.map(Presence.vectorString) != publishedSaved { publishPresence(now: now) }
    }

    /// Host: a guest raised its save counter. The save itself waits for the end of the
    /// pump (not inside the hub's message handling); read-only guests are not obeyed.
    func noteSaveRequests(from clients: [ClientID]) {
        guard role == .host, session.hasStore, session.path != nil else { return }
        for cid in clients where cid != hub.awareness.clientID {
            guard let state = hub.awareness.states[cid], let n = Presence.StetField(state: state)?.save,
                n > handledSaveRequests[cid] ?? 0
            else { continue }
            handledSaveRequests[cid] = n
            let who = Presence.peer(clientID: cid, state: state, lastSeen: 0).displayName
            if hub.peerAccess(ofClient: cid) == .readOnly {
                session.editor.info("\(who) (read-only) asked to save; not saved")
                continue
            }
            requestedSaveBy = who
        }
    }

    func performRequestedSave(now: Milliseconds) {
        guard let who = requestedSaveBy, let path = session.path else { return }
        requestedSaveBy = nil
        if session.save(to: path) {
            session.editor.info("saved \(session.editor.displayName) at \(who)'s request")
            saveProblem = nil
        } else {
            // The guest waits for an answer: tell it why (the editor's message says it).
            saveProblem = session.editor.message?.text ?? "not saved"
            saveFailures += 1
        }
        publishPresence(now: now)
    }

    /// The peer that hosts the shared file (its `stet.file`), if one does.
    var fileHost: (clientID: ClientID, field: Presence.StetField)? {
        for (cid, state) in hub.awareness.states where cid != hub.awareness.clientID {
            if let f = Presence.StetField(state: state), f.file != nil { return (cid, f) }
        }
        return nil
    }

    /// Guest joined over the network: Ctrl-S asks the host; `[+]` says whether the host's
    /// file holds our text.
    func followHostsSave() {
        guard role == .guest, session.path == nil else { return }
        let e = session.editor
        guard let host = fileHost, let file = host.field.file else {
            e.remoteSave = nil
            return
        }
        if e.remoteSave == nil {
            e.remoteSave = { [unowned self] in self.requestSave() }
        }
        let saved = host.field.saved
        if let saved, saved == Presence.vectorString(session.doc.stateVector) {
            if e.isModified { e.markSaved() }
        } else if saved != nil, !e.isModified {
            e.markModified()
        }
        if awaitingSave, saved != savedWhenAsked {
            awaitingSave = false
            e.info("saved \(file) on the host")
        } else if awaitingSave, let problem = host.field.problem, (host.field.failures ?? 0) > failuresWhenAsked {
            awaitingSave = false
            e.error("the host could not save \(file): \(problem)")
        }
    }

    func requestSave() {
        if toldReadOnly {
            session.editor.error("read-only: the host does not save for you; :w PATH saves a copy here")
            return
        }
        saveRequests += 1
        awaitingSave = true
        savedWhenAsked = fileHost?.field.saved
        failuresWhenAsked = fileHost?.field.failures ?? 0
        publishPresence(now: lastNow)
        session.editor.info("asking the host to save \(fileHost?.field.file ?? "the file")…")
    }

    func publishedCursorDrifted() -> Bool {
        guard let state = hub.awareness.localState else { return false }
        let me = Presence.peer(clientID: hub.awareness.clientID, state: state, lastSeen: 0)
        let e = session.editor
        guard let s = Presence.selection(of: me, in: session.doc, textName: e.buffer.textName) else { return false }
        let rope = e.buffer.rope
        return s.anchor != rope.utf16Offset(of: e.selection.anchor).value || s.head != rope.utf16Offset(of: e.selection.head).value
    }

    /// Peers' cursors resolved into this buffer, for the editor.
    func refreshPeers(now: Milliseconds) {
        let e = session.editor
        let rope = e.buffer.rope
        let peers = Presence.peers(in: hub.awareness).filter { $0.clientID != hub.awareness.clientID }
        var out: [RemotePeer] = []
        // Servers (pycrdt-websocket's rooms) may keep an awareness state of their own with
        // neither a user nor a cursor: that is not a collaborator.
        for p in peers where p.name != nil || p.anchor != nil || p.head != nil {
            var sel: Selection?
            if let s = Presence.selection(of: p, in: session.doc, textName: e.buffer.textName) {
                let end = rope.utf16Count
                let a = rope.utf8Offset(of: UTF16Offset(min(max(s.anchor, 0), end)))
                let h = rope.utf8Offset(of: UTF16Offset(min(max(s.head, 0), end)))
                sel = Selection(anchor: a, head: h)
            }
            // Active: their state (cursor, selection) changed in the last 10 s; renewals of an
            // unchanged state do not count.
            if lastStates[p.clientID] != p.state {
                lastStates[p.clientID] = p.state
                lastActivity[p.clientID] = now
            }
            let active = now - (lastActivity[p.clientID] ?? 0) < 10_000
            out.append(RemotePeer(id: p.clientID, name: p.displayName, colorSlot: Identity.slot(forColor: p.color, clientID: p.clientID),
                                  selection: sel, active: active))
        }
        e.setPeers(out.sorted { $0.name < $1.name })
    }

    func event(_ e: SyncEvent) {
        switch e {
        case .disconnected(let label, let reason):
            if let l = link, l.label == label {
                link = nil
                if awayFrom == nil { awayFrom = session.doc.stateVector }
                if reason != lastProblem { session.editor.error("disconnected: \(reason) — your edits are kept; retrying") }
                lastProblem = reason
            }
        case .permissionDenied(let reason):
            toldReadOnly = true
            session.editor.error("read-only: \(reason)")
        case .writeDropped(let label):
            _ = label
        case .synced:
            justSynced = true
            if role == .guest, lastProblem != nil {
                lastProblem = nil
                session.editor.info("connected again: everything is merged")
            }
        case .awareness(let change):
            noteSaveRequests(from: change.added + change.updated)
        }
    }

    /// Text inserted by others since `sv` (what we missed), by author.
    func computeAway(since sv: StateVector) {
        let me = session.doc.clientID
        let rope = session.editor.buffer.rope
        var pos = 0
        var out: [Highlight] = []
        var places: [String: Int] = [:]
        let names = Dictionary(Presence.peers(in: hub.awareness).map { ($0.clientID, $0.displayName) }, uniquingKeysWith: { a, _ in a })
        for run in session.editor.buffer.text.runs() {
            defer { pos += run.length }
            guard run.client != me else { continue }
            let seen = Int(sv.clocks[run.client] ?? 0)
            let start = Int(run.clock), end = start + run.length
            guard end > seen else { continue }
            let from = pos + max(seen - start, 0)
            let a = rope.utf8Offset(of: UTF16Offset(from)), b = rope.utf8Offset(of: UTF16Offset(pos + run.length))
            guard a < b else { continue }
            let slot = Identity.slot(forColor: Presence.peers(in: hub.awareness).first { $0.clientID == run.client }?.color, clientID: run.client)
            if let last = out.last, last.range.upperBound == a, last.colorSlot == slot {
                out[out.count - 1] = Highlight(range: last.range.lowerBound..<b, colorSlot: slot)
            } else {
                out.append(Highlight(range: a..<b, colorSlot: slot))
                places[names[run.client] ?? "someone", default: 0] += 1
            }
        }
        awayChanges = out
        awaySummary = places.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value) place\($0.value == 1 ? "" : "s"))" }.joined(separator: ", ")
        if !out.isEmpty { session.editor.info("back online; others changed \(awaySummary) meanwhile — :away shows where") }
    }

    /// The status bar's connection part: "host · 2 guests", "connected", "offline · 3 local changes".
    func updateStatus() {
        let st = hub.status
        switch role {
        case .host:
            session.editor.presence = st.connections == 0 ? "shared" : "host · \(st.connections) guest\(st.connections == 1 ? "" : "s")"
        case .guest:
            let pending = "\(st.unsyncedLocalChanges) local change\(st.unsyncedLocalChanges == 1 ? "" : "s")"
            if link == nil {
                session.editor.presence = "offline · " + pending
            } else if st.syncedConnections == 0 {
                // Trying again after a drop: the changes made meanwhile wait for it.
                session.editor.presence = wasConnected ? "reconnecting · " + pending : "connecting"
            } else {
                wasConnected = true
                session.editor.presence = "connected"
            }
        }
    }
}
