/// A handle on a shared map (Yjs `YMap`), used for document metadata.
public struct YMap {
    public let doc: Doc
    let type: Int32

    /// Sets `key` to a value (last writer wins by Yjs rules).
    public func set(_ key: String, _ value: AnyValue) {
        doc.transact { doc.mapSet(type, key, .any([value])) }
    }

    /// The current value of `key`, if it holds a plain value.
    public func get(_ key: String) -> AnyValue? {
        guard let h = doc.mapCurrent(type, key) else { return nil }
        switch doc.content(of: h) {
        case .any(let xs): return xs.last
        case .json(let xs): return xs.last.map { .string($0) }
        case .string(let s): return .string(s)
        default: return nil
        }
    }

    /// A nested map under `key`, created if absent.
    public func map(_ key: String) -> YMap {
        if let h = doc.mapCurrent(type, key), doc.items[h].kind == .type { return YMap(doc: doc, type: doc.items[h].payload) }
        return doc.transact {
            let h = doc.mapSet(type, key, .type(.map))
            return YMap(doc: doc, type: doc.items[h].payload)
        }
    }

    public func delete(_ key: String) {
        doc.transact {
            if let h = doc.mapCurrent(type, key) { doc.deleteItem(h) }
        }
    }

    /// Keys with a live value, sorted.
    public var keys: [String] {
        doc.types[Int(type)].map.compactMap { k, h in doc.items[h].isDeleted ? nil : doc.keys[Int(k)] }.sorted()
    }

    /// Calls `f` with the changed keys after each transaction that touched this map.
    @discardableResult
    public func observe(_ f: @escaping (Set<String>) -> Void) -> Int {
        let id = doc.nextObserverID; doc.nextObserverID += 1
        doc.mapObservers[type, default: []].append((id, f))
        return id
    }
}

/// A handle on a shared array (Yjs `YArray`) of plain values.
public struct YArray {
    public let doc: Doc
    let type: Int32

    public var count: Int { doc.types[Int(type)].length }

    public func insert(_ values: [AnyValue], at index: Int) {
        precondition(index >= 0 && index <= count, "array index out of range")
        if values.isEmpty { return }
        doc.transact { doc.insertContent(type, at: index, .any(values)) }
    }

    public func append(_ values: [AnyValue]) { insert(values, at: count) }

    public func delete(at index: Int, count n: Int) {
        precondition(index >= 0 && n >= 0 && index + n <= count, "array range out of bounds")
        if n == 0 { return }
        doc.transact { doc.deleteListRange(type, at: index, count: n) }
    }

    /// The live values, in order.
    public var values: [AnyValue] {
        var out: [AnyValue] = []
        var h = doc.types[Int(type)].start
        while h != noHandle {
            let r = doc.items[h]
            if !r.isDeleted && r.isCountable {
                switch doc.content(of: h) {
                case .any(let xs): out.append(contentsOf: xs)
                case .json(let xs): out.append(contentsOf: xs.map { .string($0) })
                case .string(let s): out.append(.string(s))
                default: out.append(.null)
                }
            }
            h = r.right
        }
        return out
    }
}

extension Doc {
    public func getMap(_ name: String) -> YMap { YMap(doc: self, type: rootType(name, kind: .map)) }
    public func getArray(_ name: String) -> YArray { YArray(doc: self, type: rootType(name, kind: .array)) }

    func mapCurrent(_ t: Int32, _ key: String) -> Handle? {
        guard let k = keyIndex[key], let h = types[Int(t)].map[k], !items[h].isDeleted else { return nil }
        return h
    }

    @discardableResult
    func mapSet(_ t: Int32, _ key: String, _ content: ItemContent) -> Handle {
        let k = intern(key)
        let left = types[Int(t)].map[k] ?? noHandle
        return createLocalItem(t, subKey: k, left: left, right: noHandle, content)
    }

    func deleteListRange(_ t: Int32, at index: Int, count: Int) {
        deleteText(t, at: index, count: count) // the same walk: delete countable content
    }
}
