import BenchSupport
import Dispatch
import Foundation
import StetApp
import StetCRDT
import StetNet
import StetSync
import Synchronization

// Part 3: a fresh client joins a 10 MB document.

/// Per join, ms from t0 (just before the transport is created, on the client's owner
/// thread): `.opened` (TCP + WebSocket handshake / Unix connect), the whole sync step 2
/// message at the client's event loop (the host answers the client's step 1: it encodes its
/// state; then the transfer), step 2 applied (`SyncSession` received it: decode + integrate,
/// and for an editor the buffer's rope built from it), and for an editor its first frame
/// with the text.
struct JoinRun {
    var name: String
    var opened: [Double] = []
    var step2: [Double] = []
    var applied: [Double] = []
    var frame: [Double] = []
    var step2Bytes = 0
    var failures: [String] = []
}

/// A document-only client (`SyncHub` + `Doc`): `runs` fresh joins.
func joinDocOnly(name: String, runs: Int, expected16: Int, connect: @escaping (ClientOwner, LightClient, ArrivalStamps) -> Void) -> JoinRun {
    var run = JoinRun(name: name)
    for n in 0..<runs {
        let owner = ClientOwner(name: "join-\(n)")
        let stamps = ArrivalStamps()
        let applied = Atomic<UInt64>(0)
        owner.afterEvent = { c, _ in
            if applied.load(ordering: .relaxed) == 0, c.hub.session(for: c.transport)?.synced == true {
                applied.store(nowNs(), ordering: .relaxed)
            }
        }
        owner.start()
        let c = LightClient(index: 0, room: 0, clientID: ids.take(), seed: 1)
        let t0 = owner.sync { () -> UInt64 in
            let t = nowNs()
            connect(owner, c, stamps)
            return t
        }
        let ok = waitUntil(timeoutMs: 60_000, everyMs: 2) { applied.load(ordering: .relaxed) != 0 }
        let length = owner.sync { c.text.length }
        owner.stop()
        guard ok, length == expected16 else {
            run.failures.append("join \(n + 1): \(ok ? "text of \(length) UTF-16 units, expected \(expected16)" : "no step 2 within 60 s")")
            continue
        }
        run.opened.append(ms(t0, stamps.opened.load(ordering: .relaxed)))
        run.step2.append(ms(t0, stamps.step2.load(ordering: .relaxed)))
        run.applied.append(ms(t0, applied.load(ordering: .relaxed)))
        run.step2Bytes = stamps.step2Bytes.load(ordering: .relaxed)
        note("  \(name) \(n + 1): step 2 applied after \(fmtMs(run.applied.last))")
    }
    return run
}

/// An editor client (`Session` + `Collaboration` on its owner thread, as `stet join` or a
/// second `stet FILE`): `runs` fresh joins, until the first frame after the text arrived.
func joinEditor(name: String, runs: Int, expected16: Int, makeSession: () throws -> Session,
                connect: @escaping (EditorPeer, ArrivalStamps) -> Void) -> JoinRun {
    var run = JoinRun(name: name)
    for n in 0..<runs {
        let session: Session
        do { session = try makeSession() } catch {
            run.failures.append("join \(n + 1): \(error)")
            continue
        }
        let peer = EditorPeer(label: "join-\(n)", session: session, role: .guest)
        let stamps = ArrivalStamps()
        let applied = Atomic<UInt64>(0), framed = Atomic<UInt64>(0)
        let done = DispatchSemaphore(value: 0)
        peer.onFrame = { p in
            guard framed.load(ordering: .relaxed) == 0, p.doc.getText(p.editor.buffer.textName).length == expected16 else { return }
            applied.store(p.tPumped, ordering: .relaxed)
            framed.store(p.tRendered, ordering: .relaxed)
            done.signal()
        }
        peer.start()
        let t0 = peer.sync { () -> UInt64 in
            let t = nowNs()
            connect(peer, stamps)
            return t
        }
        let ok = done.wait(timeout: .now() + .seconds(60)) == .success
        peer.stop()
        guard ok else {
            run.failures.append("join \(n + 1): the text did not arrive within 60 s")
            continue
        }
        run.opened.append(ms(t0, stamps.opened.load(ordering: .relaxed)))
        run.step2.append(ms(t0, stamps.step2.load(ordering: .relaxed)))
        run.applied.append(ms(t0, applied.load(ordering: .relaxed)))
        run.frame.append(ms(t0, framed.load(ordering: .relaxed)))
        run.step2Bytes = stamps.step2Bytes.load(ordering: .relaxed)
        note("  \(name) \(n + 1): first frame after \(fmtMs(run.frame.last))")
    }
    return run
}

/// Puts `text` into `room` of a relay: a client whose document holds it (one insert, as a
/// file opened for the first time) connects and syncs, and stays connected. Returns its
/// owner (stop it when done).
func seedRoom(url: String, text: String) throws -> ClientOwner {
    let owner = ClientOwner(name: "seed")
    owner.start()
    let c = LightClient(index: 0, room: 0, clientID: ids.take(), seed: 2)
    c.doc.transact { c.text.insert(text, at: 0) }
    owner.perform { owner.connect(c, url: url) }
    guard waitUntil(timeoutMs: 60_000, everyMs: 20, { owner.sync { c.synced } }) else {
        owner.stop()
        throw BenchError("the seeding client did not sync with \(url)")
    }
    return owner
}

/// Joins over WebSocket to a room holding `text` (seeded first): document-only clients and
/// editor clients (`stet join`: a scratch session).
func initialSyncOverWebSocket(target: RelayTarget, room: String, text: String, runs: Int) throws -> [JoinRun] {
    let url = target.url(room)
    let expected16 = text.utf16.count
    let seed = try seedRoom(url: url, text: text)
    defer { seed.stop() }
    // The relay applies the seed's step 2 after answering its step 1; let it (and, for
    // stet serve, the log append and fdatasync) finish before timing joins.
    sleepMs(2000)
    let docOnly = joinDocOnly(name: "\(target.name), Doc + SyncHub", runs: runs, expected16: expected16) { o, c, s in
        o.connect(c, url: url, stamps: s)
    }
    let editor = joinEditor(name: "\(target.name), editor (stet join)", runs: runs, expected16: expected16,
                            makeSession: { try Session(path: nil, clientID: ids.take(), newClientID: ids.take, now: monoMs) }) { p, s in
        let t = connectWebSocket(url: url, inbox: p.collab.inbox, stamps: s)
        p.collab.attach(t, isLink: true, waitForOpen: true, now: nowMs())
    }
    return [docOnly, editor]
}

/// Joins over the Unix socket of a host that opened the file (`stet FILE`): document-only
/// clients and editors opening the same file joining (a second `stet FILE`).
func initialSyncOverUnixSocket(dir: String, bytes: [UInt8], runs: Int) throws -> [JoinRun] {
    try makeDirectory(dir)
    let file = dir + "/big.txt"
    try writeFile(file, bytes)
    let expected16 = String(decoding: bytes, as: UTF8.self).utf16.count
    let host = EditorPeer(label: "host", session: try Session(path: file, clientID: ids.take(), newClientID: ids.take, now: monoMs), role: .host)
    try makeDirectory(dir + "/.stet")
    let sock = dir + "/.stet/big.txt.sock"
    let server = try listenUnix(path: sock, inbox: host.collab.inbox)
    host.start()
    defer {
        host.stop()
        server.stop()
    }
    let docOnly = joinDocOnly(name: "Unix socket, Doc + SyncHub", runs: runs, expected16: expected16) { o, c, s in
        o.connectUnix(c, path: sock, stamps: s)
    }
    let editor = joinEditor(name: "Unix socket, editor (2nd stet FILE)", runs: runs, expected16: expected16,
                            makeSession: { try Session(path: file, clientID: ids.take(), newClientID: ids.take, joining: true, now: monoMs) }) { p, s in
        let t = connectUnix(path: sock, inbox: p.collab.inbox, stamps: s)
        p.collab.attach(t, isLink: true, waitForOpen: true, now: nowMs())
    }
    return [docOnly, editor]
}
