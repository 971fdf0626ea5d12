import GANTensor

/// Named tensors in order, each with the dtype it is stored as: a module's or an optimiser's
/// state, or the contents of a safetensors file.
///
/// Names follow PyTorch's state_dict (`main.0.weight`, `bn.running_mean`); an `.int64` entry
/// (`num_batches_tracked`) holds integral Float32 values in memory (exact up to 2^24).
///
/// ```swift
/// var state = generator.stateDict()
/// state.merge(discriminator.stateDict().prefixed("discriminator."))
/// ```
public struct StateDict: Sequence, CustomStringConvertible {
    /// One named tensor.
    public struct Entry {
        /// The name, unique within the dict.
        public var name: String
        /// The values.
        public var tensor: Tensor
        /// How the tensor is stored in a file.
        public var dtype: DType

        public init(name: String, tensor: Tensor, dtype: DType = .float32) {
            self.name = name
            self.tensor = tensor
            self.dtype = dtype
        }
    }

    private var entries: [Entry] = []
    private var positions: [String: Int] = [:]

    /// An empty state dict.
    public init() {}

    /// A state dict of `entries`, in order; a repeated name keeps the last entry.
    public init(_ entries: [Entry]) {
        for e in entries { insert(e) }
    }

    /// The names, in order.
    public var keys: [String] { entries.map(\.name) }

    /// The number of tensors.
    public var count: Int { entries.count }

    /// Whether there are no tensors.
    public var isEmpty: Bool { entries.isEmpty }

    /// The tensor called `name`; assigning `nil` removes it, assigning a tensor keeps the
    /// entry's dtype (`.float32` for a new name).
    public subscript(name: String) -> Tensor? {
        get { positions[name].map { entries[$0].tensor } }
        set {
            if let t = newValue {
                insert(Entry(name: name, tensor: t, dtype: entry(name)?.dtype ?? .float32))
            } else {
                remove(name)
            }
        }
    }

    /// The entry called `name`, if any.
    public func entry(_ name: String) -> Entry? {
        positions[name].map { entries[$0] }
    }

    /// Adds `entry`, replacing an entry of the same name in place.
    public mutating func insert(_ entry: Entry) {
        if let i = positions[entry.name] {
            entries[i] = entry
        } else {
            positions[entry.name] = entries.count
            entries.append(entry)
        }
    }

    /// Adds `tensor` under `name`, stored as `dtype`.
    public mutating func insert(_ name: String, _ tensor: Tensor, dtype: DType = .float32) {
        insert(Entry(name: name, tensor: tensor, dtype: dtype))
    }

    /// Removes the entry called `name`, if any.
    public mutating func remove(_ name: String) {
        guard let i = positions.removeValue(forKey: name) else { return }
        entries.remove(at: i)
        for j in i..<entries.count { positions[entries[j].name] = j }
    }

    /// Adds every entry of `other`, replacing entries of the same name.
    public mutating func merge(_ other: StateDict) {
        for e in other.entries { insert(e) }
    }

    /// The same entries with `prefix` put before every name (`"generator."`).
    public func prefixed(_ prefix: String) -> StateDict {
        StateDict(entries.map { Entry(name: prefix + $0.name, tensor: $0.tensor, dtype: $0.dtype) })
    }

    /// The entries whose names start with `prefix`, with the prefix removed.
    public func entries(withPrefix prefix: String) -> StateDict {
        StateDict(entries.filter { $0.name.hasPrefix(prefix) }.map {
            Entry(name: String($0.name.dropFirst(prefix.count)), tensor: $0.tensor, dtype: $0.dtype)
        })
    }

    public func makeIterator() -> IndexingIterator<[Entry]> {
        entries.makeIterator()
    }

    public var description: String {
        "StateDict(" + entries.map { "\($0.name): \($0.tensor.shape) \($0.dtype.rawValue)" }.joined(separator: ", ") + ")"
    }
}

extension Module {
    /// The persistent state — every parameter, then buffers, in listing order, under
    /// PyTorch's names — as PyTorch's `state_dict()`. The tensors share storage with the
    /// module's values (tensors are immutable, so this is a snapshot).
    public func stateDict() -> StateDict {
        var state = StateDict()
        walk(prefix: "") { name, kind in
            switch kind {
            case .parameter(let p): state.insert(name, p.value.detach())
            case .buffer(let b) where b.isPersistent: state.insert(name, b.value, dtype: b.dtype)
            default: break
            }
        }
        return state
    }

    /// Replaces parameter and buffer values with the tensors of `stateDict`, as PyTorch's
    /// `load_state_dict`.
    ///
    /// Nothing changes unless everything fits: a tensor of the wrong shape is always an error;
    /// with `strict`, so is a name the module lacks (unexpected) or a name the dict lacks
    /// (missing; except `num_batches_tracked`, which PyTorch also lets older checkpoints omit).
    /// The error names every offending key.
    ///
    /// - Parameters:
    ///   - stateDict: Tensors by state_dict name (any dtype; values become Float32).
    ///   - strict: Require the names to match exactly.
    ///   - source: The file or origin, for the error message.
    public func load(stateDict: StateDict, strict: Bool = true, source: String = "state dict") throws {
        var targets: [(String, ChildCollector.Kind)] = []
        var expected: [String: [Int]] = [:]
        walk(prefix: "") { name, kind in
            switch kind {
            case .parameter(let p): targets.append((name, kind)); expected[name] = p.shape
            case .buffer(let b) where b.isPersistent: targets.append((name, kind)); expected[name] = b.shape
            default: break
            }
        }
        // As PyTorch, a missing `num_batches_tracked` (older checkpoints) keeps its value.
        let missing = targets.map(\.0).filter {
            stateDict[$0] == nil && $0 != "num_batches_tracked" && !$0.hasSuffix(".num_batches_tracked")
        }
        let unexpected = stateDict.keys.filter { expected[$0] == nil }
        var misshaped: [CheckpointError.ShapeMismatch] = []
        for (name, _) in targets {
            if let t = stateDict[name], t.shape != expected[name]! {
                misshaped.append(.init(name: name, found: t.shape, expected: expected[name]!))
            }
        }
        if !misshaped.isEmpty || (strict && (!missing.isEmpty || !unexpected.isEmpty)) {
            throw CheckpointError.stateMismatch(file: source, missing: strict ? missing : [],
                                                unexpected: strict ? unexpected : [], misshaped: misshaped)
        }
        for (name, kind) in targets {
            guard let t = stateDict[name] else { continue }
            switch kind {
            case .parameter(let p): p.value = t.detach().requiringGradient()
            case .buffer(let b): b.value = t.detach()
            case .module: break
            }
        }
    }

    /// A deep copy, as Python's `copy.deepcopy(module)`: the same class and configuration
    /// (from `structuralCopy()`), its own parameter and buffer boxes holding this module's
    /// values (non-persistent buffers included), and each sub-module's training mode.
    public func copy() -> Self {
        let clone = structuralCopy()
        precondition(type(of: clone) == type(of: self),
                     "\(type(of: self)).structuralCopy() returned a \(type(of: clone))")
        clone.copyState(from: self)
        let modes = namedModules().map(\.module.isTraining)
        let targets = clone.namedModules()
        precondition(modes.count == targets.count, "\(type(of: self)).copy(): structural copy has other sub-modules")
        for (m, mode) in zip(targets, modes) { m.module.setTrainingMode(mode) }
        return clone as! Self
    }

    /// Assigns every parameter and buffer (persistent or not) the value of the same-named one
    /// in `other`, which must have the same structure (a programmer error otherwise).
    public func copyState(from other: Module) {
        var source: [String: ChildCollector.Kind] = [:]
        other.walk(prefix: "") { name, kind in source[name] = kind }
        walk(prefix: "") { name, kind in
            switch (kind, source[name]) {
            case let (.parameter(p), .parameter(q)?):
                precondition(p.shape == q.shape, "copyState: '\(name)' has shape \(p.shape), source \(q.shape)")
                p.value = q.value.detach().requiringGradient()
            case let (.buffer(b), .buffer(c)?):
                precondition(b.shape == c.shape, "copyState: '\(name)' has shape \(b.shape), source \(c.shape)")
                b.value = c.value
            default:
                preconditionFailure("copyState: '\(name)' has no counterpart in \(type(of: other))")
            }
        }
    }
}
