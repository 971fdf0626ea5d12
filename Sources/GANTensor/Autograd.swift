import Synchronization

/// What a derivative rule receives when the graph runs backwards.
public struct BackwardContext {
    /// The gradient of the result with respect to the op's output (same shape as the output).
    public let gradient: Tensor
    /// Which inputs need a gradient; a rule may return `nil` for the others.
    public let needsGradient: [Bool]
    /// The op's output, differentiable again when the graph is being recorded
    /// (only available for ops recorded with `savesOutput: true`).
    public let output: Tensor?
}

/// A derivative rule: gradients with respect to each input, written in tensor ops so
/// that with `createGraph: true` they are themselves differentiable.
public typealias DerivativeRule = (BackwardContext) -> [Tensor?]

/// One node of the define-by-run graph: an op's output, or a leaf that requires gradients.
///
/// Nodes hold their inputs' nodes strongly and nothing holds a node but the tensors it
/// produced and the nodes after it, so a graph is freed when its last tensor goes.
public final class GradNode: @unchecked Sendable {
    private static let counter = Atomic<Int>(0)

    /// Creation order: every node is newer than its inputs, which gives a topological order.
    let sequence: Int
    /// The op's name, for error messages.
    let op: String
    /// Each input's node, `nil` for inputs that do not require gradients.
    let inputs: [GradNode?]
    /// Shape of the output.
    let shape: [Int]
    /// `nil` for a leaf.
    let rule: DerivativeRule?
    /// The output values, kept only for rules that need them.
    let savedOutput: TensorStorage?
    /// The accumulated gradient of a leaf.
    var gradient: Tensor?

    init(op: String, inputs: [GradNode?], shape: [Int], rule: DerivativeRule?, savedOutput: TensorStorage?) {
        sequence = GradNode.counter.wrappingAdd(1, ordering: .relaxed).newValue
        self.op = op
        self.inputs = inputs
        self.shape = shape
        self.rule = rule
        self.savedOutput = savedOutput
    }

    var isLeaf: Bool { rule == nil }
}

/// Gradient recording for the current thread or task.
public enum Autograd {
    @TaskLocal static var isRecording = true

    /// Whether ops record the graph here (false inside `withoutGradients`).
    public static var isRecordingEnabled: Bool { isRecording }
}

/// Runs `body` without recording the autograd graph (sampling, evaluation, optimiser updates).
@inlinable
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try Autograd.withRecording(false, body)
}

extension Autograd {
    @usableFromInline
    static func withRecording<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
        try $isRecording.withValue(enabled) { try body() }
    }
}

extension Tensor {
    /// Whether this tensor takes part in the autograd graph.
    public var requiresGradient: Bool { node != nil }

    /// Whether this tensor is a leaf: it requires gradients and no op produced it.
    public var isLeaf: Bool { node?.isLeaf ?? false }

    /// A leaf that shares these values and accumulates `.gradient` in `backward()`.
    public func requiringGradient() -> Tensor {
        Tensor(shape: shape, storage: storage,
               node: GradNode(op: "leaf", inputs: [], shape: shape, rule: nil, savedOutput: nil))
    }

    /// The same values, cut from the graph.
    public func detach() -> Tensor {
        Tensor(shape: shape, storage: storage)
    }

    /// The gradient accumulated on this leaf by `backward()`, if any.
    public var gradient: Tensor? {
        node?.gradient
    }

    /// Forgets the accumulated gradient of this leaf.
    public func clearGradient() {
        node?.gradient = nil
    }

    /// Whether an op on `inputs` would record a node: recording is on and some input requires
    /// gradients. When it would not, an op may work in place or fuse steps no rule could see.
    public static func recordsGraph(for inputs: [Tensor]) -> Bool {
        Autograd.isRecording && inputs.contains { $0.node != nil }
    }

    /// Records the result of an op. When recording is on and some input requires
    /// gradients, the result gets a node with `rule`; otherwise it is a constant.
    public static func record(
        _ op: String, shape: [Int], storage: TensorStorage, inputs: [Tensor],
        savesOutput: Bool = false, rule: @escaping DerivativeRule
    ) -> Tensor {
        guard inputs.contains(where: { $0.node != nil }), Autograd.isRecording else {
            return Tensor(shape: shape, storage: storage)
        }
        let node = GradNode(op: op, inputs: inputs.map(\.node), shape: shape, rule: rule,
                            savedOutput: savesOutput ? storage : nil)
        return Tensor(shape: shape, storage: storage, node: node)
    }

    /// Accumulates the gradient of this tensor into every leaf it depends on.
    ///
    /// - Parameters:
    ///   - gradient: The gradient of the final objective with respect to this tensor;
    ///     may be omitted for a one-element tensor (then it is 1).
    ///   - createGraph: Record the backward pass, so the leaves' gradients are
    ///     differentiable (for penalties on gradients).
    public func backward(gradient: Tensor? = nil, createGraph: Bool = false) {
        guard let root = node else {
            preconditionFailure("backward: tensor of shape \(shape) does not require gradients")
        }
        let seed = Autograd.seedGradient(for: self, gradient, op: "backward")
        let grads = Autograd.propagate(from: root, seed: seed, targets: nil, createGraph: createGraph)
        for (leaf, g) in grads {
            let add = Autograd.withRecording(createGraph) { leaf.gradient.map { $0 + g } ?? g }
            leaf.gradient = add
        }
    }
}

/// The gradients of `output` with respect to each tensor in `inputs`.
///
/// An input that `output` does not depend on gets zeros. With `createGraph: true` the
/// returned gradients are recorded and can be differentiated again (WGAN-GP, R1).
///
/// - Parameters:
///   - output: The tensor to differentiate; one element unless `gradient` is given.
///   - inputs: Tensors that require gradients (leaves or intermediate results).
///   - gradient: The upstream gradient for `output`, same shape; defaults to ones.
///   - createGraph: Record the backward pass.
public func gradients(
    of output: Tensor, wrt inputs: [Tensor], gradient: Tensor? = nil, createGraph: Bool = false
) -> [Tensor] {
    guard let root = output.node else {
        preconditionFailure("gradients(of:wrt:): output of shape \(output.shape) does not require gradients")
    }
    let targets = inputs.map { input -> GradNode in
        guard let n = input.node else {
            preconditionFailure("gradients(of:wrt:): an input of shape \(input.shape) does not require gradients")
        }
        return n
    }
    let seed = Autograd.seedGradient(for: output, gradient, op: "gradients(of:wrt:)")
    let grads = Autograd.propagate(from: root, seed: seed, targets: targets, createGraph: createGraph)
    var byNode: [ObjectIdentifier: Tensor] = [:]
    for (n, g) in grads { byNode[ObjectIdentifier(n)] = g }
    return zip(inputs, targets).map { input, n in
        byNode[ObjectIdentifier(n)] ?? Tensor.zeros(input.shape)
    }
}

extension Autograd {
    static func seedGradient(for output: Tensor, _ gradient: Tensor?, op: String) -> Tensor {
        if let g = gradient {
            precondition(g.shape == output.shape,
                         "\(op): gradient shape \(g.shape) differs from output shape \(output.shape)")
            return g
        }
        precondition(output.count == 1,
                     "\(op): output of shape \(output.shape) is not a single value; pass `gradient:`")
        return Tensor.ones(output.shape)
    }

    /// Runs derivative rules from `root` towards `targets` (every leaf when `nil`) and
    /// returns the gradient reaching each target.
    static func propagate(
        from root: GradNode, seed: Tensor, targets: [GradNode]?, createGraph: Bool
    ) -> [(GradNode, Tensor)] {
        // Every node reachable from the root, newest first: a reverse topological order.
        var seen: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
        var order: [GradNode] = [root]
        var stack: [GradNode] = [root]
        while let n = stack.popLast() {
            for case let input? in n.inputs where seen.insert(ObjectIdentifier(input)).inserted {
                order.append(input)
                stack.append(input)
            }
        }
        order.sort { $0.sequence > $1.sequence }

        // A node is needed when a target is reachable through it.
        let targetIDs = targets.map { Set($0.map(ObjectIdentifier.init)) }
        var needed: Set<ObjectIdentifier> = []
        for n in order.reversed() {
            let isTarget = targetIDs.map { $0.contains(ObjectIdentifier(n)) } ?? n.isLeaf
            if isTarget || n.inputs.contains(where: { $0.map { needed.contains(ObjectIdentifier($0)) } ?? false }) {
                needed.insert(ObjectIdentifier(n))
            }
        }

        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
        var results: [(GradNode, Tensor)] = []
        withRecording(createGraph) {
            for n in order {
                let id = ObjectIdentifier(n)
                guard needed.contains(id), let g = pending.removeValue(forKey: id) else { continue }
                let isTarget = targetIDs.map { $0.contains(id) } ?? n.isLeaf
                if isTarget { results.append((n, g)) }
                guard let rule = n.rule else { continue }
                let needs = n.inputs.map { $0.map { needed.contains(ObjectIdentifier($0)) } ?? false }
                guard needs.contains(true) else { continue }
                let output = n.savedOutput.map { Tensor(shape: n.shape, storage: $0, node: n) }
                let inputGrads = rule(BackwardContext(gradient: g, needsGradient: needs, output: output))
                precondition(inputGrads.count == n.inputs.count,
                             "autograd: rule of \(n.op) returned \(inputGrads.count) gradients for \(n.inputs.count) inputs")
                for (i, input) in n.inputs.enumerated() {
                    guard let input, needs[i], let gi = inputGrads[i] else { continue }
                    precondition(gi.shape == input.shape,
                                 "autograd: \(n.op) gave a gradient of shape \(gi.shape) for an input of shape \(input.shape)")
                    let key = ObjectIdentifier(input)
                    pending[key] = pending[key].map { $0 + gi } ?? gi
                }
            }
        }
        return results
    }
}
