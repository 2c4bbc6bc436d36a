import Synchronization

/// SplitMix64: a small seeded generator, so that every simulated run replays from its seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The internal state (the seed advances it).
    public private(set) var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A deterministic, seeded network of in-memory links for tests: random latency,
/// reordering, duplication, partitions, disconnects and reconnects, on a virtual clock.
///
/// Nodes are inboxes. `connect` makes a link and returns its two `SimulatedTransport` ends
/// (which implement `Transport`); what one end sends is scheduled for delivery to the other
/// end's inbox after a random latency. Nothing moves until `run(until:)` or `step()`
/// delivers the due events, in time order (ties in send order). With the same seed and the
/// same calls, every run is identical.
///
/// * `Conditions.reorder`: each message gets its own latency, so later ones may overtake
///   earlier ones on the same link (TCP would not; this checks the CRDT's tolerance).
///   Without it, a link is FIFO.
/// * `Conditions.duplicate`: the probability that a message is delivered twice.
/// * `partition(_:)`: links between different groups are cut (both ends get `.closed`,
///   messages in flight are lost) and new connections between groups fail until `heal()`.
/// * `cut(_:)`: one link fails abruptly. `close(reason:)` on an end is graceful: messages
///   already sent still arrive, then the other end gets `.closed`.
///
/// Thread-safe, but meant for single-threaded tests.
@available(macOS 15.0, iOS 18.0, *)
public final class NetworkSimulator: Sendable {
    /// A node: an index into the simulator's inboxes.
    public typealias NodeID = Int

    /// Link behaviour.
    public struct Conditions: Sendable {
        /// Smallest one-way latency.
        public var minLatency: Milliseconds
        /// Largest one-way latency.
        public var maxLatency: Milliseconds
        /// Whether messages on one link may overtake each other.
        public var reorder: Bool
        /// Probability (0…1) that a message is delivered twice.
        public var duplicate: Double

        /// Creates conditions.
        public init(minLatency: Milliseconds = 1, maxLatency: Milliseconds = 50, reorder: Bool = false, duplicate: Double = 0) {
            self.minLatency = minLatency
            self.maxLatency = max(minLatency, maxLatency)
            self.reorder = reorder
            self.duplicate = duplicate
        }
    }

    /// Counters.
    public struct Stats: Equatable, Sendable {
        /// Messages handed to `send`.
        public var sent = 0
        /// Messages delivered (duplicates included).
        public var delivered = 0
        /// Extra copies scheduled.
        public var duplicated = 0
        /// Messages lost to cut links or closed ends.
        public var lost = 0
        /// Links created.
        public var links = 0
        /// Connection attempts refused by a partition.
        public var refused = 0
    }

    private struct Event {
        var time: Milliseconds
        var seq: Int
        var link: Int
        var toSide: Int
        var event: TransportEvent
    }

    private struct Link {
        var ends: (SimulatedTransport, SimulatedTransport)
        var nodes: (NodeID, NodeID)
        /// Set when the link failed: nothing more is delivered.
        var cut = false
        /// Per side: that end was closed locally (it receives nothing more, sends nothing).
        var closedSide = [false, false]
        /// Per direction (index = receiving side): the latest scheduled delivery time.
        var lastDelivery: [Milliseconds] = [0, 0]
    }

    private struct State {
        var rng: SeededGenerator
        var conditions: Conditions
        var now: Milliseconds = 0
        var seq = 0
        var inboxes: [Inbox] = []
        var names: [String] = []
        var links: [Link] = []
        var heap: [Event] = []
        var group: [NodeID: Int] = [:]
        var stats = Stats()

        func before(_ a: Event, _ b: Event) -> Bool { a.time != b.time ? a.time < b.time : a.seq < b.seq }

        mutating func push(_ e: Event) {
            heap.append(e)
            var i = heap.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                if before(heap[i], heap[p]) { heap.swapAt(i, p); i = p } else { break }
            }
        }

        mutating func pop() -> Event? {
            guard !heap.isEmpty else { return nil }
            heap.swapAt(0, heap.count - 1)
            let top = heap.removeLast()
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count && before(heap[l], heap[m]) { m = l }
                if r < heap.count && before(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
            return top
        }

        mutating func latency() -> Milliseconds {
            Milliseconds.random(in: conditions.minLatency...conditions.maxLatency, using: &rng)
        }

        /// Schedules `event` to the `toSide` end of `link`, FIFO unless reordering.
        mutating func schedule(_ event: TransportEvent, link: Int, toSide: Int, fifo: Bool) {
            var t = now + latency()
            if fifo || !conditions.reorder { t = max(t, links[link].lastDelivery[toSide]) }
            links[link].lastDelivery[toSide] = max(links[link].lastDelivery[toSide], t)
            seq += 1
            push(Event(time: t, seq: seq, link: link, toSide: toSide, event: event))
        }

        func separated(_ a: NodeID, _ b: NodeID) -> Bool { (group[a] ?? 0) != (group[b] ?? 0) }
    }

    private let state: Mutex<State>

    /// Creates a network. Print `seed` in a failing test so that it can be replayed.
    public init(seed: UInt64, conditions: Conditions = Conditions()) {
        state = Mutex(State(rng: SeededGenerator(seed: seed), conditions: conditions))
    }

    /// The virtual time: the time of the last delivered event (or set by `run(until:)`).
    public var now: Milliseconds { state.withLock { $0.now } }

    /// The time of the next scheduled event, if any.
    public var nextEventTime: Milliseconds? { state.withLock { $0.heap.first?.time } }

    /// Events scheduled and not yet delivered.
    public var pending: Int { state.withLock { $0.heap.count } }

    /// Counters so far.
    public var stats: Stats { state.withLock { $0.stats } }

    /// Link behaviour; changes apply to messages sent afterwards.
    public var conditions: Conditions {
        get { state.withLock { $0.conditions } }
        set { state.withLock { $0.conditions = newValue } }
    }

    /// A random number from the simulator's seeded generator (for tests that want one
    /// stream of randomness).
    public func random(in range: ClosedRange<Int>) -> Int {
        state.withLock { Int.random(in: range, using: &$0.rng) }
    }

    /// Adds a node whose events go to `inbox`.
    public func addNode(_ inbox: Inbox, name: String? = nil) -> NodeID {
        state.withLock { s in
            s.inboxes.append(inbox)
            s.names.append(name ?? "node\(s.inboxes.count - 1)")
            return s.inboxes.count - 1
        }
    }

    /// Opens a link from `a` to `b` and returns the ends (`a`'s first). Both inboxes get
    /// `.opened` after a latency; across a partition, `a` gets `.closed` instead and `b`
    /// hears nothing.
    public func connect(_ a: NodeID, _ b: NodeID) -> (SimulatedTransport, SimulatedTransport) {
        state.withLock { s in
            let id = s.links.count
            let na = s.names[a], nb = s.names[b]
            let ea = SimulatedTransport(simulator: self, link: id, side: 0, label: "sim:\(na)->\(nb)#\(id)")
            let eb = SimulatedTransport(simulator: self, link: id, side: 1, label: "sim:\(nb)<-\(na)#\(id)")
            s.links.append(Link(ends: (ea, eb), nodes: (a, b)))
            s.stats.links += 1
            if s.separated(a, b) {
                s.stats.refused += 1
                s.links[id].cut = true
                s.links[id].closedSide = [false, true]
                // the failure reaches the connector after a timeout-like delay
                s.seq += 1
                s.push(Event(time: s.now + s.latency(), seq: s.seq, link: id, toSide: 0, event: .closed("unreachable (network partition)")))
            } else {
                s.schedule(.opened, link: id, toSide: 0, fifo: true)
                s.schedule(.opened, link: id, toSide: 1, fifo: true)
            }
            return (ea, eb)
        }
    }

    fileprivate func send(_ bytes: [UInt8], link: Int, fromSide side: Int) {
        state.withLock { s in
            s.stats.sent += 1
            let l = s.links[link]
            guard !l.cut, !l.closedSide[side], !l.closedSide[1 - side] else { s.stats.lost += 1; return }
            s.schedule(.message(bytes), link: link, toSide: 1 - side, fifo: false)
            if s.conditions.duplicate > 0 && Double.random(in: 0..<1, using: &s.rng) < s.conditions.duplicate {
                s.stats.duplicated += 1
                s.schedule(.message(bytes), link: link, toSide: 1 - side, fifo: false)
            }
        }
    }

    fileprivate func close(link: Int, side: Int, reason: String) {
        let local: (Inbox, SimulatedTransport)? = state.withLock { s in
            guard !s.links[link].closedSide[side] else { return nil }
            s.links[link].closedSide[side] = true
            let l = s.links[link]
            if !l.cut && !l.closedSide[1 - side] {
                // graceful: after what is in flight, the other end learns of the close
                s.schedule(.closed(reason), link: link, toSide: 1 - side, fifo: true)
            }
            return (s.inboxes[side == 0 ? l.nodes.0 : l.nodes.1], side == 0 ? l.ends.0 : l.ends.1)
        }
        if let (inbox, end) = local { inbox.post(.closed(reason), from: end) }
    }

    /// Fails the link abruptly: both ends get `.closed(reason)` after a latency; whatever is
    /// in flight is lost.
    public func cut(_ transport: SimulatedTransport, reason: String = "connection lost") {
        state.withLock { s in cutLocked(&s, transport.link, reason: reason) }
    }

    private func cutLocked(_ s: inout State, _ link: Int, reason: String) {
        guard !s.links[link].cut else { return }
        s.links[link].cut = true
        for side in 0..<2 where !s.links[link].closedSide[side] {
            s.seq += 1
            s.push(Event(time: s.now + s.latency(), seq: s.seq, link: link, toSide: side, event: .closed(reason)))
        }
    }

    /// Splits the nodes into groups (nodes not listed join the first group): links between
    /// groups are cut and new ones between groups are refused until `heal()`.
    public func partition(_ groups: [[NodeID]]) {
        state.withLock { s in
            s.group = [:]
            for (g, nodes) in groups.enumerated() { for n in nodes { s.group[n] = g } }
            for i in s.links.indices where !s.links[i].cut && s.separated(s.links[i].nodes.0, s.links[i].nodes.1) {
                cutLocked(&s, i, reason: "connection lost (network partition)")
            }
        }
    }

    /// Ends the partition (existing cut links stay cut; reconnect to recover).
    public func heal() {
        state.withLock { $0.group = [:] }
    }

    /// Delivers the next event; returns false when none is scheduled.
    @discardableResult
    public func step() -> Bool {
        deliverNext(until: nil)
    }

    /// Delivers every event due at or before `time`, then sets the clock to `time`.
    /// Returns how many events were delivered.
    @discardableResult
    public func run(until time: Milliseconds) -> Int {
        var n = 0
        while deliverNext(until: time) { n += 1 }
        state.withLock { $0.now = max($0.now, time) }
        return n
    }

    private func deliverNext(until limit: Milliseconds?) -> Bool {
        typealias Out = (Inbox, SimulatedTransport, TransportEvent)
        let result: (Bool, Out?) = state.withLock { s in
            guard let top = s.heap.first, limit.map({ top.time <= $0 }) ?? true else { return (false, nil) }
            let e = s.pop()!
            s.now = max(s.now, e.time)
            let l = s.links[e.link]
            let end = e.toSide == 0 ? l.ends.0 : l.ends.1
            let inbox = s.inboxes[e.toSide == 0 ? l.nodes.0 : l.nodes.1]
            if l.closedSide[e.toSide] {
                if case .message = e.event { s.stats.lost += 1 }
                return (true, nil)
            }
            switch e.event {
            case .message:
                if l.cut { s.stats.lost += 1; return (true, nil) }
                s.stats.delivered += 1
            case .opened:
                if l.cut { return (true, nil) }
            case .closed:
                s.links[e.link].closedSide[e.toSide] = true
            }
            return (true, (inbox, end, e.event))
        }
        if let (inbox, end, event) = result.1 { inbox.post(event, from: end) }
        return result.0
    }
}

/// One end of a `NetworkSimulator` link.
@available(macOS 15.0, iOS 18.0, *)
public final class SimulatedTransport: Transport {
    /// "sim:alice->host#3".
    public let label: String
    let link: Int
    let side: Int
    private let simulator: NetworkSimulator

    init(simulator: NetworkSimulator, link: Int, side: Int, label: String) {
        self.simulator = simulator
        self.link = link
        self.side = side
        self.label = label
    }

    /// Schedules delivery to the other end.
    public func send(_ message: [UInt8]) {
        simulator.send(message, link: link, fromSide: side)
    }

    /// Closes this end now (its inbox gets `.closed(reason)` at once); the other end gets
    /// `.closed(reason)` after the messages in flight.
    public func close(reason: String) {
        simulator.close(link: link, side: side, reason: reason)
    }
}
