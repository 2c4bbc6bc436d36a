import ArgumentParser
import Dispatch
import StetCRDT
import StetNet
import StetStore
import StetSync
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `stet serve`: a y-websocket compatible relay hosting many rooms, each a document whose
/// full history is kept in `--data DIR` (`DIR/.stet/ROOM.stetlog`).
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Host documents for stet and any y-websocket client (ws://HOST:PORT/ROOM?token=…).",
        discussion: """
            Each room (the URL path) is a document kept with its full history in the data folder, \
            so rooms survive restarts. With --token, clients must give ?token=TOKEN; with \
            --read-only-token, clients giving that token may read but their edits are dropped \
            (and they are told). With --tls-cert and --tls-key it serves wss:// (TLS); clients \
            of a self-signed certificate join with --ca-file CERT; SIGHUP reloads the certificate \
            (renewed files) for new connections. Stop with Ctrl-C.
            """
    )

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "HOST:PORT"))
    var listen = "127.0.0.1:8080"

    @Option(help: ArgumentHelp("Folder for the rooms' histories (created if missing).", valueName: "DIR"))
    var data = "."

    @Option(help: "Token clients must present (?token=…). Without it, anyone who can reach the port may edit.")
    var token: String?

    @Option(name: .customLong("read-only-token"), help: "Token for read-only clients.")
    var readOnlyToken: String?

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("Serve wss:// with this PEM certificate (chain); needs --tls-key.", valueName: "FILE"))
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "FILE"))
    var tlsKey: String?

    /// SIGHUP: reads --tls-cert and --tls-key again (a renewed certificate) for new
    /// connections; on any problem the old certificate stays in use.
    func reloadTLS(_ server: WebSocketServer) {
        guard let tlsCert, let tlsKey else {
            say("stet serve: SIGHUP: no certificate to reload (serving ws://)")
            return
        }
        do {
            server.replaceTLSIdentity(try TLSServerIdentity.load(certificate: tlsCert, key: tlsKey))
            say("stet serve: reloaded the TLS certificate \(tlsCert); new connections use it")
        } catch {
            printError("stet serve: kept the previous TLS certificate: \(error)")
        }
    }

    func run() throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            printError("stet serve: --listen needs HOST:PORT, e.g. 127.0.0.1:8080")
            throw ExitCode(1)
        }
        let host = String(listen[..<colon])
        let tls = try loadTLS(command: "serve", certificate: tlsCert, key: tlsKey)
        mkdir(data, 0o755)
        let relay = Relay(dataDir: Paths.absolute(data))
        let expected = token, readOnly = readOnlyToken
        let inbox = relay.inbox
        let pending = relay.pending
        let server: WebSocketServer
        do {
            server = try WebSocketServer.start(host: host, port: port, tls: tls, log: { printError("stet serve: \($0)") }) { room, query, t in
                guard let file = Relay.fileName(forRoom: room) else {
                    t.close(reason: "invalid room name \(room.debugDescription)")
                    return nil
                }
                var access = Access.readWrite
                if let e = expected {
                    let presented = query["token"] ?? ""
                    if let r = readOnly, tokensMatch(presented, r) {
                        access = .readOnly
                    } else if !tokensMatch(presented, e) {
                        t.close(reason: "invalid token")
                        return nil
                    }
                } else if let r = readOnly, tokensMatch(query["token"] ?? "", r) {
                    access = .readOnly
                }
                pending.map.withLock { $0[ObjectIdentifier(t)] = (file, access) }
                inbox.post(.opened, from: t)
                return { @Sendable ev in inbox.post(ev, from: t) }
            }
        } catch {
            printError("stet serve: \(error)")
            throw ExitCode(1)
        }
        say("stet serve: listening on \(tls == nil ? "ws" : "wss")://\(host):\(server.port)/ROOM\(expected == nil ? "" : "?token=…"), histories in \(Paths.absolute(data))/.stet/")
        signal(SIGINT) { _ in Relay.stop.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in Relay.stop.store(true, ordering: .relaxed) }
        signal(SIGHUP) { _ in Relay.reload.store(true, ordering: .relaxed) }
        while !Relay.stop.load(ordering: .relaxed) {
            _ = relay.signal.wait(timeout: .now() + .milliseconds(500))
            if Relay.reload.exchange(false, ordering: .relaxed) { reloadTLS(server) }
            relay.pump(now: Milliseconds(EditorEntry.monotonicMilliseconds()))
        }
        server.stop()
        relay.close()
        say("stet serve: stopped; every room's history is on disk")
    }
}

/// The rooms of `stet serve`, owned by the main thread.
final class Relay {
    static let stop = Atomic<Bool>(false)
    static let reload = Atomic<Bool>(false)

    struct Room {
        let doc: Doc
        let hub: SyncHub
        let store: DocumentStore?
        let observer: Int
    }

    let dataDir: String
    let signal = DispatchSemaphore(value: 0)
    let inbox: Inbox
    /// Connections accepted on the network threads, waiting for the main thread: room file, access.
    let pending = Pending()
    var rooms: [String: Room] = [:]
    /// Rooms with updates appended since their last fdatasync.
    var dirty = Set<String>()
    var lastSync: Milliseconds = 0
    var roomOf: [ObjectIdentifier: String] = [:]

    init(dataDir: String) {
        self.dataDir = dataDir
        let s = signal
        inbox = Inbox(onPost: { s.signal() })
    }

    /// A file name for a room: its characters outside [A-Za-z0-9._-] percent-encoded; nil for
    /// names that could escape the data folder or are empty.
    static func fileName(forRoom room: String) -> String? {
        guard !room.isEmpty, room != ".", room != "..", room.utf8.count <= 200 else { return nil }
        var out = ""
        for b in room.utf8 {
            let ok = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F || b == 0x2D
            out += ok ? String(UnicodeScalar(b)) : "%" + String(b, radix: 16, uppercase: true).leftPadded(2)
        }
        return out.hasPrefix(".") ? "%2E" + out.dropFirst() : out
    }

    func room(_ file: String, now: Milliseconds) -> Room {
        if let r = rooms[file] { return r }
        let doc = Doc(clientID: ClientID.random(in: 1...0xFFFF_FFFF))
        var store: DocumentStore?
        do {
            let s = try DocumentStore(path: dataDir + "/" + file, fileMode: 0o644)
            for u in try s.load().updates { try? doc.applyUpdate(u, origin: "stet.store") }
            store = s
        } catch {
            printError("stet serve: room \(file) has no history on disk (\(error)); it lives in memory")
        }
        let observer = doc.onUpdate { [unowned self] u, origin in
            guard origin != "stet.store" else { return }
            do {
                try store?.append([.update(UpdateV1.encode(u))])
                self.dirty.insert(file)
            } catch { printError("stet serve: cannot record \(file): \(error)") }
        }
        let hub = SyncHub(doc: doc, awareness: Awareness(clientID: doc.clientID, now: now))
        // The relay itself has no presence: peers see only each other.
        hub.setLocalState(nil, now: now)
        let r = Room(doc: doc, hub: hub, store: store, observer: observer)
        rooms[file] = r
        return r
    }

    func pump(now: Milliseconds) {
        for d in inbox.drain() {
            let id = ObjectIdentifier(d.source)
            if roomOf[id] == nil {
                guard case .opened = d.event, let (file, access) = pending.map.withLock({ $0.removeValue(forKey: id) }) else { continue }
                roomOf[id] = file
                room(file, now: now).hub.attach(d.source, peerAccess: access, now: now)
            }
            guard let file = roomOf[id], let r = rooms[file] else { continue }
            r.hub.handle(d.event, from: d.source, now: now)
            if case .closed = d.event { roomOf[id] = nil }
        }
        for r in rooms.values { r.hub.tick(now: now) }
        // Appends are durable against a killed process at once; fdatasync (against power
        // loss) at most once a second, so it does not hold up forwarding.
        if now - lastSync >= 1_000 {
            for f in dirty { try? rooms[f]?.store?.sync() }
            dirty.removeAll()
            lastSync = now
        }
    }

    func close() {
        for r in rooms.values {
            r.hub.leave(reason: "the server is shutting down", now: Milliseconds(EditorEntry.monotonicMilliseconds()))
            try? r.store?.sync()
            r.store?.close()
        }
    }
}

/// Connections accepted on network threads, waiting for the main thread: room file, access.
final class Pending: Sendable {
    let map = Mutex<[ObjectIdentifier: (String, Access)]>([:])
}

/// The TLS identity from `--tls-cert`/`--tls-key` (nil when neither is given); exits with a
/// message when only one is given or a file is unusable.
func loadTLS(command: String, certificate: String?, key: String?) throws -> TLSServerIdentity? {
    switch (certificate, key) {
    case (nil, nil):
        return nil
    case (let certificate?, let key?):
        do {
            return try TLSServerIdentity.load(certificate: certificate, key: key)
        } catch {
            printError("stet \(command): \(error)")
            throw ExitCode(1)
        }
    default:
        printError("stet \(command): --tls-cert and --tls-key go together (the certificate and its private key, PEM files)")
        throw ExitCode(1)
    }
}

/// One line on standard output, written at once (scripts wait for it).
func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
