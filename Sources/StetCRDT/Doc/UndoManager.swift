/// Undo and redo of the local user's own changes (Yjs `UndoManager` semantics): remote
/// changes are never undone; consecutive edits within `captureTimeout` form one step.
///
/// Undo deletes what a step inserted and re-creates what it deleted as new items, so
/// collaborators see the undo as an ordinary change and it converges like any edit.
public final class UndoManager {
    public static let undoOrigin: Origin = "stet.undo"
    public static let redoOrigin: Origin = "stet.redo"

    /// One undo (or redo) step: what it inserted and what it deleted, as ID ranges. Steps
    /// are values so an editor can persist them and keep undo across restarts.
    public struct Step: Equatable, Sendable {
        public var insertions: DeleteSet
        public var deletions: DeleteSet
        public init(insertions: DeleteSet, deletions: DeleteSet) {
            self.insertions = insertions
            self.deletions = deletions
        }

        /// Both ID sets, delete-set encoded (v1), one after the other.
        public func encoded() -> [UInt8] {
            var e = Lib0Encoder()
            UpdateV1.encodeDeleteSet(insertions, into: &e)
            UpdateV1.encodeDeleteSet(deletions, into: &e)
            return e.bytes
        }

        public static func decode(_ bytes: [UInt8]) throws -> Step {
            var d = Lib0Decoder(bytes)
            let ins = try UpdateV1.decodeDeleteSet(&d)
            let del = try UpdateV1.decodeDeleteSet(&d)
            return Step(insertions: ins, deletions: del)
        }
    }
    typealias StackItem = Step

    public let doc: Doc
    let scope: Set<String>
    let trackedOrigins: Set<Origin?>
    /// Milliseconds within which changes join the previous step.
    public var captureTimeout: UInt64
    let now: () -> UInt64
    var undoStack: [StackItem] = []
    var redoStack: [StackItem] = []
    var lastChange: UInt64 = 0
    var capturing = true
    var observer = 0

    /// - Parameters:
    ///   - scope: root type names whose changes are tracked.
    ///   - trackedOrigins: transaction origins that count as this user's edits (nil: plain local edits).
    ///   - now: milliseconds from a clock of the caller's choice (the CRDT has none).
    public init(doc: Doc, scope: Set<String> = ["text"], trackedOrigins: Set<Origin?> = [nil],
                captureTimeout: UInt64 = 500, now: @escaping () -> UInt64 = { 0 }) {
        self.doc = doc
        self.scope = scope
        self.trackedOrigins = trackedOrigins
        self.captureTimeout = captureTimeout
        self.now = now
        observer = doc.onAfterTransaction { [unowned self] info in self.record(info) }
    }

    deinit { doc.removeObserver(observer) }

    public var canUndo: Bool { !undoStack.isEmpty }
    public var canRedo: Bool { !redoStack.isEmpty }
    public var undoDepth: Int { undoStack.count }

    /// The next change starts a new undo step even if it comes within the timeout.
    public func stopCapturing() { capturing = false }

    public func clear() { undoStack.removeAll(); redoStack.removeAll() }

    /// The undo steps, oldest first.
    public var undoSteps: [Step] { undoStack }
    /// The redo steps, oldest first (the next redo is the last).
    public var redoSteps: [Step] { redoStack }

    /// Replaces both stacks (restoring persisted steps). The next change starts a new step.
    public func restore(undo: [Step], redo: [Step]) {
        undoStack = undo
        redoStack = redo
        capturing = false
    }

    func record(_ info: TransactionInfo) {
        guard info.local, !info.changedRoots.isDisjoint(with: scope) else { return }
        let item = StackItem(insertions: info.inserted, deletions: info.deleted)
        if info.origin == UndoManager.undoOrigin {
            redoStack.append(item)
            return
        }
        if info.origin == UndoManager.redoOrigin {
            undoStack.append(item)
            return
        }
        guard trackedOrigins.contains(info.origin) else { return }
        redoStack.removeAll()
        let t = now()
        if capturing, let last = undoStack.last, t &- lastChange < captureTimeout {
            undoStack[undoStack.count - 1] = StackItem(
                insertions: DeleteSet.merged([last.insertions, item.insertions]),
                deletions: DeleteSet.merged([last.deletions, item.deletions]))
        } else {
            undoStack.append(item)
        }
        capturing = true
        lastChange = t
    }

    /// Undoes the last step. Returns false when there is nothing to undo.
    @discardableResult
    public func undo() -> Bool {
        guard let item = undoStack.popLast() else { return false }
        doc.transact(origin: UndoManager.undoOrigin) { doc.revert(item.insertions, item.deletions, scope: scope) }
        capturing = false
        return true
    }

    /// Redoes the last undone step. Returns false when there is nothing to redo.
    @discardableResult
    public func redo() -> Bool {
        guard let item = redoStack.popLast() else { return false }
        doc.transact(origin: UndoManager.redoOrigin) { doc.revert(item.insertions, item.deletions, scope: scope) }
        capturing = false
        return true
    }
}

extension Doc {
    /// Calls `f` for every item covering `ranges`, split so items lie inside the ranges.
    func forEachItem(in ranges: DeleteSet, _ f: (Handle) -> Void) {
        for (client, rs) in ranges.clients {
            guard let s = slotOf[client] else { continue }
            for r in rs {
                let end = min(r.end, slots[Int(s)].state)
                guard r.clock < end else { continue }
                var h = cleanStart(ID(client: client, clock: r.clock))
                while h != noHandle && items[h].clock < end {
                    if items[h].clock + items[h].length > end && items[h].kind != .gc { split(h, at: end - items[h].clock) }
                    f(h)
                    h = items[h].nextInClock
                }
            }
        }
    }

    /// Follows `redone` links to the newest copy of the unit at `h`'s start.
    func followRedone(_ h: Handle) -> Handle {
        var x = h
        var guardSteps = 0
        while items[x].flags.contains(.redone), let id = redone[x], guardSteps < 10_000 {
            guard state(of: id.client) > id.clock else { break }
            x = cleanStart(id)
            guardSteps += 1
        }
        return x
    }

    func inScope(_ h: Handle, _ scope: Set<String>) -> Bool {
        let p = items[h].parent
        guard p >= 0, let n = rootName(of: p) else { return false }
        return scope.contains(n)
    }

    /// Deletes what `insertions` created and re-creates what `deletions` removed.
    func revert(_ insertions: DeleteSet, _ deletions: DeleteSet, scope: Set<String>) {
        var toDelete: [Handle] = []
        forEachItem(in: insertions) { h in
            let x = followRedone(h)
            if !items[x].isDeleted && items[x].kind != .gc && inScope(x, scope) { toDelete.append(x) }
        }
        var toRestore: [Handle] = []
        forEachItem(in: deletions) { h in
            if items[h].kind != .gc && !insertions.contains(items[h].id) && inScope(h, scope) { toRestore.append(h) }
        }
        for h in toRestore {
            let x = followRedone(h)
            guard items[x].isDeleted, items[x].kind != .gc else { continue }
            let r = items[x]
            let parent = r.parent
            if types[Int(parent)].item != noHandle && items[types[Int(parent)].item].isDeleted { continue }
            let copy: Handle
            if r.parentSub >= 0 {
                copy = createLocalItem(parent, subKey: r.parentSub, left: types[Int(parent)].map[r.parentSub] ?? noHandle, right: noHandle, content(of: x))
            } else {
                copy = createLocalItem(parent, subKey: -1, left: r.left, right: x, content(of: x))
            }
            items[x].flags.insert(.redone)
            redone[x] = items[copy].id
            types[Int(parent)].cacheItem = noHandle
        }
        for h in toDelete where !items[h].isDeleted { deleteItem(h) }
    }
}
