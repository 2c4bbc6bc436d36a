import BenchSupport
import Dispatch
import StetCRDT
import StetNet
import StetSync
import Synchronization

/// The relay of `stet serve` (Sources/stet/Serve.swift) inside this process, minus the
/// store: rooms are `SyncHub`s owned by one thread that drains one `Inbox`, woken by its
/// `onPost`, exactly as `Relay.pump` does; but no history log is appended and nothing is
/// `fdatasync`ed (StetStore is not a library product). The real binary is measured too.
final class InProcessRelay: @unchecked Sendable {
    let server: WebSocketServer
    let inbox: Inbox
    private let signal = DispatchSemaphore(value: 0)
    /// Connections accepted on NIO threads, waiting for the relay thread: their room.
    private let box = PendingBox()
    private let stopFlag = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    // owned by the relay thread
    private var rooms: [String: SyncHub] = [:]
    private var roomOf: [ObjectIdentifier: String] = [:]

    var port: Int { server.port }
    func url(room: String) -> String { "ws://127.0.0.1:\(port)/\(room)" }

    init() throws {
        let s = signal
        let inbox = Inbox(onPost: { s.signal() })
        self.inbox = inbox
        let box = self.box
        server = try WebSocketServer.start(host: "127.0.0.1", port: 0, log: { note("relay: \($0)") }) { room, _, t in
            box.map.withLock { $0[ObjectIdentifier(t)] = room }
            inbox.post(.opened, from: t)
            return { @Sendable ev in inbox.post(ev, from: t) }
        }
        startThread("relay") { [self] in loop() }
    }

    private func loop() {
        while !stopFlag.load(ordering: .relaxed) {
            _ = signal.wait(timeout: .now() + .milliseconds(500))
            pump(now: nowMs())
        }
        for h in rooms.values { h.leave(reason: "the relay is stopping", now: nowMs()) }
        finished.signal()
    }

    private func hub(_ room: String, now: Milliseconds) -> SyncHub {
        if let h = rooms[room] { return h }
        let doc = Doc(clientID: ClientID.random(in: 1...0xFFFF_FFFF))
        let h = SyncHub(doc: doc, awareness: Awareness(clientID: doc.clientID, now: now))
        h.setLocalState(nil, now: now)
        rooms[room] = h
        return h
    }

    private func pump(now: Milliseconds) {
        for d in inbox.drain() {
            let id = ObjectIdentifier(d.source)
            if roomOf[id] == nil {
                guard case .opened = d.event, let room = box.map.withLock({ $0.removeValue(forKey: id) }) else { continue }
                roomOf[id] = room
                hub(room, now: now).attach(d.source, now: now)
            }
            guard let room = roomOf[id], let h = rooms[room] else { continue }
            h.handle(d.event, from: d.source, now: now)
            if case .closed = d.event { roomOf[id] = nil }
        }
        for h in rooms.values { h.tick(now: now) }
    }

    func stop() {
        server.stop()
        stopFlag.store(true, ordering: .relaxed)
        signal.signal()
        finished.wait()
    }
}

final class PendingBox: Sendable {
    let map = Mutex<[ObjectIdentifier: String]>([:])
}

/// Where a WebSocket client connects: the in-process relay or the real `stet serve`.
struct RelayTarget {
    let name: String
    let url: (String) -> String
}
