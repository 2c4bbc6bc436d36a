/// One change to a text, in the order of the text: keep `retain` units, insert, or delete.
/// Offsets are UTF-16 code units (the wire's unit).
public enum TextDelta: Equatable, Sendable {
    case retain(Int)
    case insert(String)
    case delete(Int)
}

/// A text change event: the delta of one transaction and who made it.
public struct TextEvent: Sendable {
    public var delta: [TextDelta]
    public var origin: Origin?
    public var local: Bool
}

/// A handle on a shared text. Cheap to copy; all state lives in the `Doc`.
public struct YText {
    public let doc: Doc
    let type: Int32

    /// Length in UTF-16 code units.
    public var length: Int { doc.types[Int(type)].length }

    /// The visible text (strings only; embeds and formats are not text).
    /// - Complexity: O(items + length)
    public var string: String { doc.textString(type) }

    /// Inserts `text` at UTF-16 offset `index` (clamped to a scalar boundary by the caller:
    /// offsets inside a surrogate pair are rejected).
    public func insert(_ text: String, at index: Int) {
        precondition(index >= 0 && index <= length, "insert index \(index) out of range 0...\(length)")
        if text.isEmpty { return }
        doc.transact { doc.insertText(type, at: index, text) }
    }

    /// Deletes `count` UTF-16 units starting at `index`.
    public func delete(at index: Int, count: Int) {
        precondition(index >= 0 && count >= 0 && index + count <= length, "delete range out of bounds")
        if count == 0 { return }
        doc.transact { doc.deleteText(type, at: index, count: count) }
    }

    /// Inserts at a Unicode scalar offset.
    /// - Complexity: O(items + scalars before the offset)
    public func insert(_ text: String, atScalar offset: Int) {
        insert(text, at: doc.utf16Offset(type, scalar: offset))
    }

    /// Deletes `count` Unicode scalars starting at scalar offset `offset`.
    public func delete(atScalar offset: Int, count: Int) {
        let a = doc.utf16Offset(type, scalar: offset)
        let b = doc.utf16Offset(type, scalar: offset + count)
        delete(at: a, count: b - a)
    }

    /// Number of Unicode scalars.
    public var scalarCount: Int { string.unicodeScalars.count }

    /// Calls `f` after each transaction that changed this text, with the change as a delta.
    @discardableResult
    public func observe(_ f: @escaping (TextEvent) -> Void) -> Int {
        let id = doc.nextObserverID; doc.nextObserverID += 1
        doc.textObservers[type, default: []].append((id, f))
        return id
    }
}

extension Doc {
    /// The root text named `name` (Yjs `doc.getText(name)`).
    public func getText(_ name: String = "text") -> YText {
        YText(doc: self, type: rootType(name, kind: .text))
    }

    func textString(_ t: Int32) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(types[Int(t)].length)
        var h = types[Int(t)].start
        while h != noHandle {
            let r = items[h]
            if r.kind == .string && !r.isDeleted {
                units.append(contentsOf: slots[Int(r.slot)].units[r.contentStart..<(r.contentStart + r.length)])
            }
            h = r.right
        }
        return UTF16Transcoding.string(units)
    }

    func utf16Offset(_ t: Int32, scalar target: Int) -> Int {
        var scalars = 0, utf16 = 0
        var h = types[Int(t)].start
        while h != noHandle && scalars < target {
            let r = items[h]
            if r.visibleLength > 0 {
                if r.kind == .string {
                    let units = slots[Int(r.slot)].units
                    var i = r.contentStart
                    let end = r.contentStart + r.length
                    while i < end && scalars < target {
                        let u = units[i]
                        if UTF16.isLeadSurrogate(u) && i + 1 < end && UTF16.isTrailSurrogate(units[i + 1]) {
                            i += 2; utf16 += 2
                        } else {
                            i += 1; utf16 += 1
                        }
                        scalars += 1
                    }
                } else {
                    scalars += r.length; utf16 += r.length
                }
            }
            h = r.right
        }
        precondition(scalars == target, "scalar offset \(target) out of range")
        return utf16
    }

    /// Finds Yjs's insertion point for visible offset `index`: `left` is the item holding unit
    /// `index-1` (split to end there), `right` its right neighbour. Uses and updates the
    /// type's position cache.
    /// - Complexity: O(items between the cached position and `index`)
    func findPosition(_ t: Int32, _ index: Int) -> (left: Handle, right: Handle) {
        if index == 0 { return (noHandle, types[Int(t)].start) }
        var h = types[Int(t)].cacheItem
        var at = types[Int(t)].cacheIndex
        if h == noHandle || items[h].flags.contains(.dead) { h = types[Int(t)].start; at = 0 }
        let target = index - 1 // the unit that must end `left`
        // move left while h starts after the target
        while at > target {
            h = items[h].left
            at -= items[h].visibleLength
        }
        // move right until h contains the target
        while true {
            let v = items[h].visibleLength
            if v > 0 && target < at + v { break }
            at += v
            h = items[h].right
        }
        let r = items[h]
        if target < at + r.length - 1 {
            split(h, at: target - at + 1)
        }
        types[Int(t)].cacheItem = h
        types[Int(t)].cacheIndex = at
        return (h, items[h].right)
    }

    func insertText(_ t: Int32, at index: Int, _ text: String) {
        insertContent(t, at: index, .string(text))
    }

    /// Inserts content into a list type at a visible offset, exactly as Yjs places local inserts.
    func insertContent(_ t: Int32, at index: Int, _ content: ItemContent) {
        var (left, right) = findPosition(t, index)
        // Yjs minimizeAttributeChanges: step over deleted items (and formats that change nothing)
        while right != noHandle {
            let r = items[right]
            if r.isDeleted || (r.kind == .format && types[Int(t)].hasFormatting && formatIsNoop(t, right, before: left)) {
                left = right
                right = r.right
            } else {
                break
            }
        }
        if case .string(let str) = content, left != noHandle, extendInPlace(t, left: left, right: right, str) {
            types[Int(t)].cacheItem = left
            types[Int(t)].cacheIndex = index - (items[left].length - str.utf16.count)
            return
        }
        let h = createLocalItem(t, subKey: -1, left: left, right: right, content)
        types[Int(t)].cacheItem = h
        types[Int(t)].cacheIndex = index
    }

    /// Typing at the end of this client's newest string item: Yjs would create an item and
    /// merge it into `left` when the transaction ends (same client, next clock, origin =
    /// left's last unit, same right origin, neither deleted). Doing that merge right away
    /// gives the same store and the same update bytes without a record per keystroke.
    func extendInPlace(_ t: Int32, left: Handle, right: Handle, _ str: String) -> Bool {
        let s = slot(for: clientID)
        let si = Int(s)
        let l = items[left]
        guard slots[si].last == left, l.kind == .string, !l.isDeleted, !l.flags.contains(.redone),
              l.clock + l.length == slots[si].state, l.right == right else { return false }
        if right == noHandle {
            guard l.rightOriginClient == noClient else { return false }
        } else {
            let r = items[right]
            guard l.rightOriginClient == r.client && l.rightOriginClock == r.clock else { return false }
        }
        guard slots[si].units.count == l.contentStart + l.length else { return false }
        let n = str.utf8.count == 1 ? 1 : str.utf16.count
        txnBuffer.noteBefore(slot: s, clock: slots[si].state, handle: left)
        appendUTF16(str, to: si)
        items[left].length += n
        slots[si].state += n
        types[Int(t)].length += n
        txnBuffer.changed(type: t, key: -1)
        return true
    }

    /// Creates and integrates a local item between `left` and `right` (adjacent).
    @discardableResult
    func createLocalItem(_ t: Int32, subKey: Int32, left: Handle, right: Handle, _ content: ItemContent) -> Handle {
        let s = slot(for: clientID)
        let clock = slots[Int(s)].state
        var rec = ItemRec(client: clientID, clock: clock, length: content.length, slot: s, kind: Kind(rawValue: content.ref)!, flags: content.isCountable ? .countable : [])
        if left != noHandle {
            let l = items[left]
            rec.originClient = l.client; rec.originClock = l.clock + l.length - 1
        }
        if right != noHandle {
            rec.rightOriginClient = items[right].client; rec.rightOriginClock = items[right].clock
        }
        rec.parent = t
        rec.parentSub = subKey
        storeContent(content, into: &rec)
        let h = newRecord(rec)
        if rec.kind == .type { types[Int(rec.payload)].item = h }
        link(h, parent: t, subKey: subKey, left: left)
        if subKey < 0 && rec.isCountable { types[Int(t)].length += rec.length }
        addStruct(h)
        txnBuffer.changed(type: t, key: subKey)
        return h
    }

    /// Whether a format item at `h` repeats the attribute value already in force at the insertion point.
    func formatIsNoop(_ t: Int32, _ h: Handle, before: Handle) -> Bool {
        guard case .format(let key, let value)? = payloads.indices.contains(Int(items[h].payload)) ? payloads[Int(items[h].payload)] : nil else { return false }
        // current attribute value: the last non-deleted format of this key before the point
        var x = before
        while x != noHandle {
            let r = items[x]
            if r.kind == .format && !r.isDeleted, case .format(let k, let v) = payloads[Int(r.payload)], k == key {
                return v == value
            }
            x = r.left
        }
        return value == "null"
    }

    func deleteText(_ t: Int32, at index: Int, count: Int) {
        var (left, right) = findPosition(t, index)
        var remaining = count
        while remaining > 0 && right != noHandle {
            let r = items[right]
            // Yjs deletes strings, embeds and types here; any other countable content (only
            // hostile peers put it into a text) is deleted too, so lengths stay consistent
            if !r.isDeleted && r.isCountable {
                if remaining < r.length { split(right, at: remaining) }
                remaining -= items[right].length
                deleteItem(right)
            }
            left = right
            right = items[right].right
        }
        types[Int(t)].cacheItem = left == noHandle ? noHandle : left
        types[Int(t)].cacheIndex = index - (left == noHandle ? 0 : items[left].visibleLength)
        if left == noHandle { types[Int(t)].cacheIndex = 0 }
    }

    // MARK: - deltas

    /// Yjs-style delta for one text type over the current transaction: items created in it are
    /// inserts, items deleted in it (and created before) are deletes, the rest is retained.
    func textDelta(_ t: Int32, _ txn: TxnState) -> [TextDelta] {
        var out: [TextDelta] = []
        func push(_ d: TextDelta) {
            switch (out.last, d) {
            case (.retain(let a)?, .retain(let b)): out[out.count - 1] = .retain(a + b)
            case (.delete(let a)?, .delete(let b)): out[out.count - 1] = .delete(a + b)
            case (.insert(let a)?, .insert(let b)): out[out.count - 1] = .insert(a + b)
            default: out.append(d)
            }
        }
        var h = types[Int(t)].start
        while h != noHandle {
            let r = items[h]
            if r.isCountable && (r.kind == .string || r.kind == .embed || r.kind == .type) {
                let before = txn.beforeState(r.slot) ?? slots[Int(r.slot)].state
                // units below `before` existed; the rest were created in this transaction
                let old = max(0, min(r.length, before - r.clock))
                if r.isDeleted {
                    if old > 0 && txnDeleted(txn, slot: r.slot, clock: r.clock) { push(.delete(old)) }
                } else {
                    if old > 0 { push(.retain(old)) }
                    if old < r.length {
                        if r.kind == .string {
                            push(.insert(UTF16Transcoding.string(slots[Int(r.slot)].units[(r.contentStart + old)..<(r.contentStart + r.length)])))
                        } else {
                            push(.insert("\u{FFFC}"))
                        }
                    }
                }
            }
            h = r.right
        }
        if case .retain? = out.last { out.removeLast() }
        return out
    }

    func txnDeleted(_ txn: TxnState, slot: Int32, clock: Clock) -> Bool {
        txn.deleted(slot: slot, clock: clock)
    }

    func fireTypeObservers(_ t: TxnState) {
        for (ty, changedKeys) in t.changedTypes {
            if let obs = textObservers[ty], !obs.isEmpty, changedKeys.contains(-1) {
                let ev = TextEvent(delta: textDelta(ty, t), origin: t.origin, local: t.local)
                if !ev.delta.isEmpty { for o in obs { o.f(ev) } }
            }
            if let obs = mapObservers[ty], !obs.isEmpty {
                let names = Set(changedKeys.filter { $0 >= 0 }.map { keys[Int($0)] })
                if !names.isEmpty { for o in obs { o.f(names) } }
            }
        }
    }
}

/// A run of visible text written by one client: `length` UTF-16 units, the first of which
/// has clock `clock` in `client`'s sequence (who wrote what, for blame and "since you were
/// away").
public struct TextRun: Equatable, Sendable {
    public var client: ClientID
    public var clock: Clock
    public var length: Int
}

extension YText {
    /// The visible text as runs by author, in text order (adjacent runs of one client with
    /// consecutive clocks are joined).
    /// - Complexity: O(items)
    public func runs() -> [TextRun] {
        var out: [TextRun] = []
        var h = doc.types[Int(type)].start
        while h != noHandle {
            let r = doc.items[h]
            if r.kind == .string && !r.isDeleted && r.length > 0 {
                if let last = out.last, last.client == r.client, last.clock + Clock(last.length) == r.clock {
                    out[out.count - 1].length += r.length
                } else {
                    out.append(TextRun(client: r.client, clock: r.clock, length: r.length))
                }
            }
            h = r.right
        }
        return out
    }
}
