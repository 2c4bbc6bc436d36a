/// The document-free update algorithms of Yjs v13 (`src/utils/updates.js` of yjs@v13.6.31):
/// merging updates, diffing an update against a state vector, and reading the state vector
/// an update implies. They work on decoded updates only, never on a document.
///
/// The aim is the very output Yjs produces, so that a merged or diffed update written by stet
/// is byte-identical (v1) to what Yjs or yrs write for the same inputs. That includes the
/// parts of Yjs's behaviour that look accidental; each is named where it is reproduced, and
/// `reference/yjs-wire.md` §6 gives the facts.
public enum UpdateAlgorithms {

    // MARK: - merge

    /// `Y.mergeUpdates`: one update that contains everything the inputs contain.
    ///
    /// Clients come out in descending id order, each client's structs in clock order. A struct
    /// already covered by what was written is dropped; one that overlaps is cut so only its
    /// new part is kept (an Item then gets the origin `(client, clock - 1)`); a hole inside a
    /// client becomes a Skip. Adjacent GCs met while resolving an overlap are joined; Items
    /// never are. The delete set is the union of the inputs' delete sets, sorted and joined.
    ///
    /// One input is returned unchanged, as Yjs does.
    public static func merge(_ updates: [Update]) -> Update {
        merge(updates, heapFrom: ReaderQueue.v8SmallSortLimit)
    }

    /// `merge` with the number of readers from which a heap replaces the V8 sort (tests).
    static func merge(_ updates: [Update], heapFrom: Int) -> Update {
        if updates.count == 1 { return updates[0] }
        var readers = updates.map { StructReader($0.clients, dropsSkips: true) }
        var queue = ReaderQueue(readers, heapFrom: heapFrom)
        var out = SectionWriter()
        // The struct waiting to be written. It is held back because the next struct of the
        // same client may still be joined to it, cut against it, or need a Skip before it.
        var pending: Placed?

        while let d = queue.takeFront(readers) {
            let firstClient = readers[d].current!.client
            var chooseAgain = false
            step: do {
                guard let held = pending else {
                    pending = readers[d].current
                    readers[d].advance()
                    break step
                }
                // Pass over what was already written. Yjs compares the clocks here without
                // checking that the clients match (only that this reader's client is not lower),
                // which matters only for updates whose client sections are not descending.
                var movedOn = false
                while let c = readers[d].current, c.end <= held.end, c.client >= held.client {
                    readers[d].advance()
                    movedOn = true
                }
                guard let next = readers[d].current, next.client == firstClient,
                      !(movedOn && next.clock > held.end) else {
                    // Exhausted, or another reader may now hold an earlier struct: choose again.
                    chooseAgain = true
                    break step
                }
                if next.client != held.client {
                    out.write(held)
                    pending = next
                    readers[d].advance()
                } else if held.end < next.clock {
                    // A hole inside one client: write what is held, then a Skip up to `next`.
                    if held.s.isSkip {
                        // Unreachable in practice (a Skip never stays held past one round),
                        // kept as Yjs has it: the Skip is stretched over `next` as well.
                        pending = Placed(held.client, .skip(clock: held.clock, length: next.end - held.clock))
                    } else {
                        out.write(held)
                        pending = Placed(held.client, .skip(clock: held.end, length: next.clock - held.end))
                    }
                } else {
                    var held = held
                    var next = next
                    let overlap = held.end - next.clock
                    if overlap > 0 {
                        if case .skip(let c, let n) = held.s {
                            // Unreachable in practice too; Yjs prefers shortening a Skip.
                            held = Placed(held.client, .skip(clock: c, length: n - overlap))
                        } else {
                            next = Placed(next.client, next.s.sliced(from: overlap, client: next.client))
                        }
                    }
                    if let joined = joined(held, next) {
                        // The reader is not advanced: the round after passes over the rest.
                        pending = joined
                    } else {
                        out.write(held)
                        pending = next
                        readers[d].advance()
                    }
                }
            }
            // Whatever directly follows in the same reader is written in one go (never joined).
            if !chooseAgain, var held = pending {
                while let n = readers[d].current, n.client == firstClient, n.clock == held.end, !n.s.isSkip {
                    out.write(held)
                    held = n
                    readers[d].advance()
                }
                pending = held
            }
            queue.putBack(d, readers)
        }
        if let held = pending { out.write(held) }
        return Update(clients: out.finish(), deleteSet: mergeDeleteSets(updates.map(\.deleteSet)))
    }

    /// Yjs `mergeWith` as it acts on decoded structs: GC joins GC and Skip joins Skip; decoded
    /// Items are never joined (their runtime `right` link, which Yjs checks, is not set).
    private static func joined(_ a: Placed, _ b: Placed) -> Placed? {
        switch (a.s, b.s) {
        case (.gc(let c, let n), .gc(_, let m)): Placed(a.client, .gc(clock: c, length: n + m))
        case (.skip(let c, let n), .skip(_, let m)): Placed(a.client, .skip(clock: c, length: n + m))
        default: nil
        }
    }

    /// Yjs `mergeDeleteSets` followed by `writeDeleteSet`: per client all ranges of all inputs,
    /// sorted by clock, overlapping or touching ranges joined; clients in descending order.
    /// Unlike `DeleteSet.normalized()` a lone zero-length range is kept, as Yjs keeps it; a
    /// client listed with no ranges is dropped, as Yjs's reader drops it.
    public static func mergeDeleteSets(_ sets: [DeleteSet]) -> DeleteSet {
        var byClient: [ClientID: [DeleteRange]] = [:]
        for ds in sets {
            for (client, ranges) in ds.clients where !ranges.isEmpty {
                byClient[client, default: []].append(contentsOf: ranges)
            }
        }
        return DeleteSet(byClient.keys.sorted(by: >).map { ($0, joinRanges(byClient[$0]!)) })
    }

    private static func joinRanges(_ ranges: [DeleteRange]) -> [DeleteRange] {
        // The join does not depend on how ranges with equal clocks are ordered.
        let sorted = ranges.sorted { ($0.clock, $0.length) < ($1.clock, $1.length) }
        var out: [DeleteRange] = []
        out.reserveCapacity(sorted.count)
        for r in sorted {
            if let last = out.last, last.end >= r.clock {
                out[out.count - 1].length = max(last.length, r.end - last.clock)
            } else {
                out.append(r)
            }
        }
        return out
    }

    // MARK: - diff

    /// `Y.diffUpdate(update, sv)`: the part of `update` a peer with state vector `sv` lacks.
    ///
    /// Per client, structs wholly below `sv[client]` are dropped and the first one reaching past
    /// it is cut there (an Item gets the origin `(client, clock - 1)`); everything after it in
    /// that client section is kept, Skips included, but a section never starts with a Skip.
    /// The delete set is copied whole (clients descending, ranges as they came).
    public static func diff(_ update: Update, against sv: StateVector) -> Update {
        var out = SectionWriter()
        var reader = StructReader(update.clients, dropsSkips: false)
        while let cur = reader.current {
            if cur.s.isSkip {
                reader.advance()
                continue
            }
            let known = sv[cur.client]
            if cur.end > known {
                out.write(Placed(cur.client, cur.s.sliced(from: max(known - cur.clock, 0), client: cur.client)))
                reader.advance()
                while let n = reader.current, n.client == cur.client {
                    out.write(n)
                    reader.advance()
                }
            } else {
                while let n = reader.current, n.client == cur.client, n.end <= known {
                    reader.advance()
                }
            }
        }
        return Update(clients: out.finish(), deleteSet: rewrittenDeleteSet(update.deleteSet))
    }

    /// A delete set as Yjs reads it and writes it back: a client's entries gathered under its
    /// first appearance, clients without ranges dropped, clients written in descending order.
    private static func rewrittenDeleteSet(_ ds: DeleteSet) -> DeleteSet {
        var byClient: [ClientID: [DeleteRange]] = [:]
        for (client, ranges) in ds.clients where !ranges.isEmpty {
            byClient[client, default: []].append(contentsOf: ranges)
        }
        return DeleteSet(byClient.keys.sorted(by: >).map { ($0, byClient[$0]!) })
    }

    // MARK: - state vector from an update

    /// `Y.encodeStateVectorFromUpdate`, entry by entry in the order Yjs writes them (the order
    /// of the update's client sections; a client whose sections are not adjacent can appear
    /// twice). Per client section run: if it starts at clock 0, the end of the structs up to
    /// the first Skip; otherwise nothing. Clients that end at clock 0 are left out.
    ///
    /// Reproduced quirks: sections of one client that follow each other are read as one run,
    /// hole or not; and if the update's very first struct is a Skip at clock 0, its end counts.
    public static func stateVectorEntries(of update: Update) -> [(client: ClientID, clock: Clock)] {
        var out: [(client: ClientID, clock: Clock)] = []
        var started = false
        var client: ClientID = 0
        var clock: Clock = 0
        var counting = false
        for section in update.clients {
            for s in section.structs {
                if !started {
                    started = true
                    client = section.client
                    counting = s.clock == 0
                    clock = counting ? s.endClock : 0
                } else if section.client != client {
                    if clock != 0 { out.append((client, clock)) }
                    client = section.client
                    clock = 0
                    counting = s.clock == 0
                }
                if s.isSkip { counting = false }
                if counting { clock = s.endClock }
            }
        }
        if started && clock != 0 { out.append((client, clock)) }
        return out
    }

    /// The state vector `update` implies (see `stateVectorEntries(of:)`); a client listed twice
    /// keeps its last entry, as decoding Yjs's bytes would.
    public static func impliedStateVector(of update: Update) -> StateVector {
        var sv = StateVector()
        for (client, clock) in stateVectorEntries(of: update) { sv.clocks[client] = clock }
        return sv
    }
}

// MARK: - conveniences

extension Update {
    /// Yjs `Y.mergeUpdates`: byte-identical output (v1) to Yjs and yrs for the same inputs.
    public static func merge(_ updates: [Update]) -> Update { UpdateAlgorithms.merge(updates) }

    /// Yjs `Y.diffUpdate(update, sv)`.
    public func diff(against sv: StateVector) -> Update { UpdateAlgorithms.diff(self, against: sv) }

    /// Yjs `Y.encodeStateVectorFromUpdate`, decoded.
    public var impliedStateVector: StateVector { UpdateAlgorithms.impliedStateVector(of: self) }
}

extension UpdateV1 {
    /// `Y.mergeUpdates` on v1 bytes. Every input is decoded first, so malformed input throws
    /// (Yjs would return a single input unchecked); a single valid input comes back unchanged.
    public static func mergeUpdates(_ updates: [[UInt8]]) throws -> [UInt8] {
        let decoded = try updates.map { try decode($0) }
        if updates.count == 1 { return updates[0] }
        return encode(UpdateAlgorithms.merge(decoded))
    }

    /// `Y.diffUpdate(update, stateVector)` on v1 bytes.
    public static func diffUpdate(_ update: [UInt8], stateVector: [UInt8]) throws -> [UInt8] {
        let u = try decode(update)
        let sv = try StateVector.decode(stateVector)
        return encode(UpdateAlgorithms.diff(u, against: sv))
    }

    /// `Y.encodeStateVectorFromUpdate` on v1 bytes, entries in Yjs's order.
    public static func stateVectorFromUpdate(_ update: [UInt8]) throws -> [UInt8] {
        let entries = UpdateAlgorithms.stateVectorEntries(of: try decode(update))
        var e = Lib0Encoder()
        e.writeVarUInt(entries.count)
        for (client, clock) in entries {
            e.writeVarUInt(client)
            e.writeVarUInt(clock)
        }
        return e.bytes
    }
}

// MARK: - machinery

/// A struct together with its client.
private struct Placed {
    var client: ClientID
    var s: UpdateStruct
    init(_ client: ClientID, _ s: UpdateStruct) { self.client = client; self.s = s }
    var clock: Clock { s.clock }
    var end: Clock { s.endClock }
}

/// Walks the structs of an update in the order they are written, section by section.
private struct StructReader {
    private let sections: [ClientStructs]
    private let dropsSkips: Bool
    private var section = 0
    private var index = 0
    private(set) var current: Placed?

    init(_ sections: [ClientStructs], dropsSkips: Bool) {
        self.sections = sections
        self.dropsSkips = dropsSkips
        settle()
    }

    mutating func advance() {
        index += 1
        settle()
    }

    private mutating func settle() {
        while section < sections.count {
            let structs = sections[section].structs
            if index < structs.count {
                if dropsSkips && structs[index].isSkip {
                    index += 1
                    continue
                }
                current = Placed(sections[section].client, structs[index])
                return
            }
            section += 1
            index = 0
        }
        current = nil
    }
}

/// Collects written structs into client sections; a new section starts whenever the client
/// changes (so a client can get two sections, exactly as Yjs's lazy writer does).
private struct SectionWriter {
    private var sections: [ClientStructs] = []
    private var client: ClientID = 0
    private var structs: [UpdateStruct] = []

    mutating func write(_ p: Placed) {
        if !structs.isEmpty && p.client != client { flush() }
        if structs.isEmpty { client = p.client }
        structs.append(Self.asWritten(p.s))
    }

    mutating func finish() -> [ClientStructs] {
        flush()
        return sections
    }

    private mutating func flush() {
        if structs.isEmpty { return }
        sections.append(ClientStructs(client: client, structs: structs))
        structs = []
    }

    /// The struct as Yjs writes it, in the form our decoder would read those bytes back.
    /// Yjs sets info bit 6 exactly when it knows the map key, and it knows the key only for
    /// items read without origins (the key travels only then); an item cut by a merge or diff
    /// keeps the key it had. Once an origin is present, parent and key are not written.
    private static func asWritten(_ s: UpdateStruct) -> UpdateStruct {
        guard case .item(var it) = s else { return s }
        it.hasParentSub = it.parentSub != nil
        if it.origin != nil || it.rightOrigin != nil {
            it.parent = nil
            it.parentSub = nil
        }
        return .item(it)
    }
}

/// The order in which `merge` consults its readers: the reader whose current struct has the
/// highest client id, then the lowest clock. Yjs re-sorts its readers with `Array.sort` before
/// every round, and ties are decided by where each reader stood after the previous sort.
///
/// Up to 63 readers the sort V8 runs is reproduced step by step (a natural run, then binary
/// insertion). That also reproduces the one inconsistent case of Yjs's comparator, a GC and an
/// Item at the same ID, which both claim to come first. From 64 readers on, a heap keeps the
/// stable order instead: identical whenever the comparator is consistent.
private struct ReaderQueue {
    static let v8SmallSortLimit = 64

    /// What the order looks at in a reader's current struct.
    private struct Key {
        var client: ClientID
        var clock: Clock
        var kind: Int       // Yjs's struct class: 0 GC, 1 Skip, 2 Item
        var tie = 0         // heap mode only

        init?(_ p: Placed?) {
            guard let p else { return nil }
            client = p.client
            clock = p.clock
            switch p.s {
            case .gc: kind = 0
            case .skip: kind = 1
            case .item: kind = 2
            }
        }

        /// Yjs's comparator, sign only: higher client first, then lower clock; at one ID a
        /// Skip goes last, and of two other different classes each claims to come first.
        func compare(_ b: Key) -> Int {
            if client != b.client { return b.client > client ? 1 : -1 }
            if clock != b.clock { return clock < b.clock ? -1 : 1 }
            if kind == b.kind { return 0 }
            return kind == 1 ? 1 : -1
        }

        /// The heap's order: the same, with ties broken by `tie`.
        func precedes(_ b: Key) -> Bool {
            if client != b.client { return client > b.client }
            if clock != b.clock { return clock < b.clock }
            return tie < b.tie
        }
    }

    private let usesHeap: Bool
    // small mode: readers in their last sorted order, and each reader's key
    private var order: [Int] = []
    private var keys: [Key?] = []
    private var lastTaken: Int?
    // large mode
    private var heap: [(key: Key, reader: Int)] = []
    private var putBacks = 0

    init(_ readers: [StructReader], heapFrom: Int) {
        let live = readers.indices.filter { readers[$0].current != nil }
        usesHeap = live.count >= heapFrom
        if usesHeap {
            for r in live {
                var key = Key(readers[r].current)!
                key.tie = r // initially ties keep input order
                push(key, r)
            }
        } else {
            order = live
            keys = readers.map { Key($0.current) }
        }
    }

    /// The reader to take from this round, or nil when all are exhausted. In heap mode the
    /// reader is removed until `putBack`.
    mutating func takeFront(_ readers: [StructReader]) -> Int? {
        if usesHeap { return pop() }
        // Only the reader taken last round can have moved.
        if let r = lastTaken {
            keys[r] = Key(readers[r].current)
            if keys[r] == nil { order.removeAll { $0 == r } }
        }
        if order.isEmpty { return nil }
        let keys = self.keys
        Self.v8Sort(&order) { keys[$0]!.compare(keys[$1]!) }
        lastTaken = order[0]
        return order[0]
    }

    /// Ends the round for the reader `takeFront` returned.
    mutating func putBack(_ r: Int, _ readers: [StructReader]) {
        guard usesHeap, var key = Key(readers[r].current) else { return }
        // The only reader that moved was first; a stable sort leaves it before its equals.
        putBacks += 1
        key.tie = -putBacks
        push(key, r)
    }

    /// V8's `Array.prototype.sort` (TimSort) for fewer than 64 elements: the leading run is
    /// found (a strictly descending one is reversed), the rest is binary-inserted.
    private static func v8Sort(_ a: inout [Int], _ cmp: (Int, Int) -> Int) {
        let n = a.count
        if n < 2 { return }
        var run = 2
        let descending = cmp(a[1], a[0]) < 0
        var previous = a[1]
        while run < n {
            let order = cmp(a[run], previous)
            if descending ? order >= 0 : order < 0 { break }
            previous = a[run]
            run += 1
        }
        if descending { a[0..<run].reverse() }
        for start in run..<max(run, n) {
            let pivot = a[start]
            var left = 0, right = start
            while left < right {
                let mid = left + (right - left) / 2
                if cmp(pivot, a[mid]) < 0 { right = mid } else { left = mid + 1 }
            }
            var p = start
            while p > left { a[p] = a[p - 1]; p -= 1 }
            a[left] = pivot
        }
    }

    private mutating func push(_ key: Key, _ reader: Int) {
        heap.append((key, reader))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !heap[i].key.precedes(heap[parent].key) { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func pop() -> Int? {
        guard !heap.isEmpty else { return nil }
        let top = heap[0].reader
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < heap.count && heap[l].key.precedes(heap[best].key) { best = l }
                if r < heap.count && heap[r].key.precedes(heap[best].key) { best = r }
                if best == i { break }
                heap.swapAt(i, best)
                i = best
            }
        }
        return top
    }
}
