import BenchSupport
import Foundation
import StetCRDT
import StetSync

// Part 2: `stet serve` with many typing clients.

struct FanOutOptions {
    var clients = 200
    var rooms = 20
    var seconds = 10.0
    var intervalMs = (100.0, 200.0)
    var awareness = true
    var owners = 2
    var lean = false
    var seed: UInt64 = 1
}

struct FanOutResult {
    var opts: FanOutOptions
    var latencies: [Double] = []
    var receipts = 0
    var expected = 0
    var unmatched = 0
    var sent = 0
    var typingWall = 0.0
    var serverCPU: Double?
    var serverThreads: [String: Double] = [:]
    var benchCPU = 0.0
    var benchThreads: [String: Double] = [:]
    var serverRSS: Int?
    var serverHWM: Int?
    var connectMs = 0.0
    var roomsConverged = 0
    var errors: [String] = []
}

func fanOut(server: ServerProcess, opts: FanOutOptions) throws -> FanOutResult {
    var result = FanOutResult(opts: opts)
    let table = SendTable()
    let owners = (0..<opts.owners).map { ClientOwner(name: "clients-\($0)") }
    var sizes: [Int: Int] = [:]
    for i in 0..<opts.clients { sizes[i % opts.rooms, default: 0] += 1 }
    for o in owners {
        o.table = table
        o.awareness = opts.awareness
        o.intervalMs = opts.intervalMs
        o.roomSize = sizes
        o.start()
    }
    defer { for o in owners { o.stop() } }
    // Connect in batches of 10 (the server's listen backlog is 128).
    let c0 = nowNs()
    for i in 0..<opts.clients {
        let room = i % opts.rooms
        let c = LightClient(index: i, room: room, clientID: 1_000_000 + ClientID(i), seed: opts.seed &* 1_000_003 &+ UInt64(i))
        let o = owners[i % owners.count]
        let url = server.url(room: "fanout-\(room)")
        o.perform { o.connect(c, url: url) }
        if i % 10 == 9 { sleepMs(20) }
    }
    let allSynced = waitUntil(timeoutMs: 60_000, everyMs: 20) {
        owners.map { o in o.sync { o.clients.filter(\.synced).count } }.reduce(0, +) == opts.clients
    }
    guard allSynced else { throw BenchError("not every client synced within 60 s") }
    result.connectMs = ms(c0, nowNs())
    note("  \(opts.clients) clients connected and synced in \(fmtMs(result.connectMs))")
    sleepMs(1000)  // awareness of the late joiners settles
    // Type.
    let cpu0 = server.cpuSeconds()
    let threads0 = server.threadCPU()
    let bench0 = processCPUSeconds()
    let benchThreads0 = benchThreadCPU()
    let w0 = nowNs()
    let end = w0 + UInt64(opts.seconds * 1e9)
    for o in owners {
        o.sync {
            o.typingEnd = end
            o.lean = opts.lean
            for c in o.clients { c.nextSend = w0 + UInt64(c.rng.uniform(0, opts.intervalMs.1) * 1e6) }
            o.typing = true
        }
    }
    sleepMs(opts.seconds * 1000)
    waitUntil(timeoutMs: 10_000, everyMs: 5) { owners.allSatisfy { o in o.sync { !o.typing } } }
    let w1 = nowNs()
    let cpu1 = server.cpuSeconds()
    let threads1 = server.threadCPU()
    result.benchCPU = processCPUSeconds() - bench0
    for (k, v) in benchThreadCPU() { result.benchThreads[k] = v - (benchThreads0[k] ?? 0) }
    result.typingWall = ms(w0, w1) / 1000
    if let a = cpu0, let b = cpu1 { result.serverCPU = b - a }
    for (k, v) in threads1 { result.serverThreads[k] = v - (threads0[k] ?? 0) }
    result.serverRSS = server.status("VmRSS")
    result.serverHWM = server.status("VmHWM")
    // Stragglers.
    var lastReceipts = -1
    waitUntil(timeoutMs: 10_000, everyMs: 500) {
        let r = owners.map { o in o.sync { o.receipts } }.reduce(0, +)
        defer { lastReceipts = r }
        return r == lastReceipts
    }
    for o in owners {
        let (l, r, u, s, e, errs) = o.sync { (o.latencies, o.receipts, o.unmatched, o.sent, o.expectedReceipts, o.errors) }
        result.latencies += l
        result.receipts += r
        result.unmatched += u
        result.sent += s
        result.expected += e
        result.errors += errs
    }
    // Every client of a room must hold the same text (lean clients do not apply).
    if opts.lean { return result }
    var texts: [Int: Set<String>] = [:]
    for o in owners {
        for (room, t) in o.sync({ o.clients.map { ($0.room, $0.text.string) } }) { texts[room, default: []].insert(t) }
    }
    result.roomsConverged = texts.values.filter { $0.count == 1 }.count
    return result
}
