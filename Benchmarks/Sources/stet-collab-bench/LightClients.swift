import BenchSupport
import Dispatch
import Foundation
import StetCRDT
import StetNet
import StetSync
import Synchronization

/// A y-websocket client without an editor: a `Doc` and a `SyncHub` over one transport, as
/// `stet join` has minus the `Session`. It does the whole protocol (step 1 / step 2,
/// awareness, updates applied to its document).
final class LightClient {
    let index: Int
    let room: Int
    let doc: Doc
    let text: YText
    let hub: SyncHub
    var transport: (any Transport)!
    var rng: SplitMix64
    var nextSend: UInt64 = .max
    var sends = 0
    let name: String

    init(index: Int, room: Int, clientID: ClientID, seed: UInt64) {
        self.index = index
        self.room = room
        doc = Doc(clientID: clientID)
        text = doc.getText("text")
        hub = SyncHub(doc: doc, awareness: Awareness(clientID: clientID, now: nowMs()))
        rng = SplitMix64(seed: seed)
        name = "client \(index)"
    }

    var synced: Bool { hub.status.syncedConnections > 0 }
}

/// The send time of every update, by its first struct's id (client, clock): receivers look
/// their receipts up here.
final class SendTable: @unchecked Sendable {
    let map = Mutex<[ID: UInt64]>([:])
}

/// Owns a set of `LightClient`s on one thread. Transports post (arrival stamp, client,
/// event) into its queue from their event loops and signal it; the thread handles them in
/// order and, while typing, sends each client's next update when it is due.
final class ClientOwner: @unchecked Sendable {
    let name: String
    private(set) var clients: [LightClient] = []
    private let wake = DispatchSemaphore(value: 0)
    private let queue = Mutex<[(UInt64, Int, TransportEvent)]>([])
    private let commands = Mutex<[() -> Void]>([])
    private let stopFlag = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    // Typing (owner thread)
    var typing = false
    var typingEnd: UInt64 = 0
    var intervalMs: (Double, Double) = (100, 200)
    var awareness = true
    /// Lean clients: once typing starts, received messages are only stamped and matched,
    /// not applied (no document or awareness work on the receiving side).
    var lean = false
    var table: SendTable?
    var roomSize: [Int: Int] = [:]
    /// Fan-out latencies seen by this owner's clients, ms.
    private(set) var latencies: [Double] = []
    private(set) var receipts = 0
    private(set) var unmatched = 0
    private(set) var sent = 0
    private(set) var expectedReceipts = 0
    private(set) var errors: [String] = []
    /// Called on the owner thread after an event was handled (part 3's stamps).
    var afterEvent: ((LightClient, TransportEvent) -> Void)?

    init(name: String) {
        self.name = name
    }

    func start() {
        startThread(name) { [self] in loop() }
    }

    func perform(_ f: @escaping () -> Void) {
        commands.withLock { $0.append(f) }
        wake.signal()
    }

    func sync<R>(_ body: @escaping () -> R) -> R {
        let done = DispatchSemaphore(value: 0)
        let out = Box<R?>(nil)
        perform {
            out.value = body()
            done.signal()
        }
        done.wait()
        return out.value!
    }

    func stop() {
        perform { self.stopFlag.store(true, ordering: .relaxed) }
        finished.wait()
    }

    /// Adds a client and connects it (call on the owner thread, through `perform`).
    func connect(_ c: LightClient, url: String, stamps: ArrivalStamps? = nil) {
        let i = clients.count
        clients.append(c)
        let q = self
        let t = WebSocketTransport.connect(url: url) { ev in
            let now = nowNs()
            stamps?.record(ev)
            q.post(now, i, ev)
        }
        c.transport = t
        c.hub.attach(t, waitForOpen: true, now: nowMs())
    }

    /// The same over a Unix socket.
    func connectUnix(_ c: LightClient, path: String, stamps: ArrivalStamps? = nil) {
        let i = clients.count
        clients.append(c)
        let q = self
        let t = UnixSocketTransport.connect(path: path) { ev in
            let now = nowNs()
            stamps?.record(ev)
            q.post(now, i, ev)
        }
        c.transport = t
        c.hub.attach(t, waitForOpen: true, now: nowMs())
    }

    private func post(_ t: UInt64, _ i: Int, _ ev: TransportEvent) {
        queue.withLock { $0.append((t, i, ev)) }
        wake.signal()
    }

    private func loop() {
        var lastTick = monoMs()
        while !stopFlag.load(ordering: .relaxed) {
            var deadline = nowNs() + 200_000_000
            if typing { for c in clients where c.nextSend < deadline { deadline = c.nextSend } }
            let now0 = nowNs()
            if deadline > now0 { _ = wake.wait(timeout: .now() + .nanoseconds(Int(deadline - now0))) }
            while wake.wait(timeout: .now()) == .success {}
            for f in commands.withLock({ q -> [() -> Void] in let c = q; q = []; return c }) { f() }
            let events = queue.withLock { q -> [(UInt64, Int, TransportEvent)] in let c = q; q = []; return c }
            let nowMs0 = nowMs()
            for (arrival, i, ev) in events {
                let c = clients[i]
                if let table, case .message(let bytes) = ev {
                    measure(bytes, arrival: arrival, table: table)
                    if lean { continue }
                }
                c.hub.handle(ev, from: c.transport, now: nowMs0)
                afterEvent?(c, ev)
            }
            if typing {
                let now = nowNs()
                for c in clients where c.nextSend <= now {
                    if now >= typingEnd {
                        c.nextSend = .max
                        continue
                    }
                    send(c)
                    c.nextSend += UInt64(c.rng.uniform(intervalMs.0, intervalMs.1) * 1e6)
                    if c.nextSend < now { c.nextSend = now }
                }
                if now >= typingEnd { typing = false }
            }
            if monoMs() &- lastTick >= 1000 {
                lastTick = monoMs()
                for c in clients { c.hub.tick(now: nowMs()) }
            }
        }
        for c in clients { c.hub.leave(reason: "benchmark done", now: nowMs()) }
        finished.signal()
    }

    /// One keystroke: a character inserted at a random place of the shared text, and (with
    /// `awareness`) the cursor after it published, as an editor does.
    private func send(_ c: LightClient) {
        let len = c.text.length
        let pos = len == 0 ? 0 : c.rng.below(len + 1)
        let ch = String(UnicodeScalar(UInt8(97 + c.rng.below(26))))
        let id = ID(client: c.doc.clientID, clock: c.doc.state(of: c.doc.clientID))
        let t = nowNs()
        table?.map.withLock { $0[id] = t }
        c.doc.transact { c.text.insert(ch, at: pos) }
        if awareness {
            c.hub.setLocalState(Presence.state(name: c.name, color: "#1c7ed6", selection: TextSelection(caret: pos + 1), in: c.text), now: nowMs())
        }
        c.sends += 1
        sent += 1
        expectedReceipts += (roomSize[c.room] ?? 1) - 1
    }

    /// A received update: each struct's first id is looked up in the send table.
    private func measure(_ bytes: [UInt8], arrival: UInt64, table: SendTable) {
        guard let m = try? ProtocolMessage.decode(bytes), case .sync(.update(let u)) = m else { return }
        guard let update = try? UpdateV1.decode(u) else {
            errors.append("an update did not decode")
            return
        }
        for cs in update.clients {
            for s in cs.structs where !s.isSkip {
                let id = ID(client: cs.client, clock: s.clock)
                if let t = table.map.withLock({ $0[id] }) {
                    latencies.append(ms(t, arrival))
                    receipts += 1
                } else {
                    unmatched += 1
                }
            }
        }
    }
}
