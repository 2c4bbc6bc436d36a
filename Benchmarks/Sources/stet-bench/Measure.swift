import Foundation
import MallocShim
import StetCRDT

/// The client id of every replaying document, the same as the peers' (Benchmarks/peers):
/// 5 bytes as a varUint, so encoded sizes are reproducible and comparable with Yjs's.
let benchClientID: ClientID = 2_654_435_769

@inline(__always) func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
@inline(__always) func ms(since t0: UInt64) -> Double { Double(now() &- t0) / 1e6 }

/// Everything stet-bench measures for one trace.
struct StetResult {
    var trace: String
    var ops: Int
    var transactions: Int
    /// Fresh document to last patch applied, one entry per run.
    var replayMs: [Double]
    /// `doc.encodeStateAsUpdate()` (full history, v1) of the last replayed document.
    var v1Bytes: Int
    /// `UpdateV2.encode(doc.stateAsUpdate())`.
    var v2Bytes: Int
    var encodeV1Ms: Double
    var encodeV2Ms: Double
    /// Structs (items, deleted or not) in the full-history update.
    var encodedItems: Int
    /// `applyUpdate(v1)` into a fresh document plus `.getText().length`, one entry per run.
    var loadMs: [Double]
    /// The same plus reading the whole text (`.string`): comparable with Loro's lazy import.
    var loadReadMs: [Double]
    /// The final text of every replay and every load equals endContent (unicode scalars).
    var finalOK: Bool
    var memory: Memory
    var v1: [UInt8]
    var v2: [UInt8]

    var nsPerOp: Double { (replayMs.min() ?? 0) * 1e6 / Double(max(ops, 1)) }
}

/// Resident memory of a document, from a separate replay (and a separate load) after every
/// timed run's document was released and free heap pages were returned to the kernel.
struct Memory {
    /// RSS after minus RSS before (bytes) for the replayed document.
    var replayRSS: Int
    /// malloc'd bytes in use after minus before (glibc mallinfo2), nil if unavailable.
    var replayMalloc: Int?
    /// The same two for a document loaded from the v1 update.
    var loadRSS: Int
    var loadMalloc: Int?
}

// MARK: - resident memory

let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

/// Resident set size of this process in bytes (/proc/self/statm, field 2, in pages);
/// -1 where /proc is unavailable.
func residentBytes() -> Int {
    // /proc files report size 0, so read them with read(2) rather than Foundation's file APIs.
    let fd = open("/proc/self/statm", O_RDONLY)
    guard fd >= 0 else { return -1 }
    defer { close(fd) }
    var buf = [UInt8](repeating: 0, count: 256)
    let n = read(fd, &buf, buf.count)
    guard n > 0 else { return -1 }
    let fields = String(decoding: buf[..<n], as: UTF8.self).split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return -1 }
    return pages * pageSize
}

/// Returns free heap memory to the kernel so that RSS counts live memory only.
func trimHeap() { _ = stet_malloc_trim() }

func mallocInUse() -> Int? {
    let v = stet_malloc_in_use()
    return v < 0 ? nil : Int(v)
}

// MARK: - replay and load

/// Replays `trace` into `doc`: the start content (if any) in one transaction, then one
/// transaction per patch (its delete and its insert together), as the peers do.
@inline(never)
func replay(_ trace: Trace, into doc: Doc) {
    let text = doc.getText()
    if !trace.startContent.isEmpty { doc.transact { text.insert(trace.startContent, at: 0) } }
    if trace.hasAstral {
        for p in trace.patches {
            doc.transact {
                if p.del > 0 { text.delete(atScalar: p.pos, count: p.del) }
                if !p.ins.isEmpty { text.insert(p.ins, atScalar: p.pos) }
            }
        }
    } else {
        // No scalar above U+FFFF anywhere: trace positions are UTF-16 offsets.
        for p in trace.patches {
            doc.transact {
                if p.del > 0 { text.delete(at: p.pos, count: p.del) }
                if !p.ins.isEmpty { text.insert(p.ins, at: p.pos) }
            }
        }
    }
}

func sameScalars(_ a: String, _ b: String) -> Bool { a.unicodeScalars.elementsEqual(b.unicodeScalars) }

/// Runs every stet measurement of one trace. Nothing else runs meanwhile (peers run later).
func measureStet(_ trace: Trace, runs: Int) throws -> StetResult {
    // 1. Replay, `runs` times; each run's document is released before the next one starts.
    // 2. Encode the last one. The document lives only inside this closure, so it is gone
    //    before the memory measurement below.
    let (replayMs, replayOK, v1, v2, encodeV1Ms, encodeV2Ms, encodedItems, length) = {
        var replayMs: [Double] = []
        var ok = true
        var last: Doc? = nil
        for _ in 0..<runs {
            last = nil
            let doc = Doc(clientID: benchClientID)
            let t0 = now()
            replay(trace, into: doc)
            replayMs.append(ms(since: t0))
            if !sameScalars(doc.getText().string, trace.endContent) { ok = false }
            last = doc
        }
        let doc = last!
        var t0 = now()
        let v1 = doc.encodeStateAsUpdate()
        let encodeV1Ms = ms(since: t0)
        t0 = now()
        let update = doc.stateAsUpdate()
        let v2 = UpdateV2.encode(update)
        let encodeV2Ms = ms(since: t0)
        let items = update.clients.reduce(0) { $0 + $1.structs.count }
        return (replayMs, ok, v1, v2, encodeV1Ms, encodeV2Ms, items, doc.getText().length)
    }()
    var finalOK = replayOK

    // 3. Load the full-history v1 update into a fresh document.
    var loadMs: [Double] = []
    var loadReadMs: [Double] = []
    for _ in 0..<runs {
        let d = Doc(clientID: 1)
        let t0 = now()
        try d.applyUpdate(v1)
        let n = d.getText().length
        let t1 = now()
        let s = d.getText().string
        let t2 = now()
        loadMs.append(Double(t1 - t0) / 1e6)
        loadReadMs.append(Double(t2 - t0) / 1e6)
        if n != length || !sameScalars(s, trace.endContent) { finalOK = false }
    }

    // 4. Memory: one more replay (and one more load), measured alone. The timed documents
    // are gone; trimming before each reading makes RSS count live pages only, so garbage of
    // earlier runs (freed but still mapped) counts neither before nor after.
    func resident(_ build: () throws -> Doc) rethrows -> (rss: Int, malloc: Int?) {
        trimHeap()
        let r0 = residentBytes(), m0 = mallocInUse()
        let d = try build()
        trimHeap()
        let r1 = residentBytes(), m1 = mallocInUse()
        withExtendedLifetime(d) {}
        return (r1 - r0, m0.flatMap { a in m1.map { $0 - a } })
    }
    let memReplay = resident { () -> Doc in
        let d = Doc(clientID: benchClientID)
        replay(trace, into: d)
        return d
    }
    let memLoad = try resident { () -> Doc in
        let d = Doc(clientID: 1)
        try d.applyUpdate(v1)
        _ = d.getText().length
        return d
    }

    return StetResult(
        trace: trace.name, ops: trace.patches.count, transactions: trace.transactions,
        replayMs: replayMs, v1Bytes: v1.count, v2Bytes: v2.count,
        encodeV1Ms: encodeV1Ms, encodeV2Ms: encodeV2Ms, encodedItems: encodedItems,
        loadMs: loadMs, loadReadMs: loadReadMs, finalOK: finalOK,
        memory: Memory(replayRSS: memReplay.rss, replayMalloc: memReplay.malloc,
                       loadRSS: memLoad.rss, loadMalloc: memLoad.malloc),
        v1: v1, v2: v2)
}
