import GANTensor

/// The base of the optimisers: a list of parameters, a learning rate, and per-parameter
/// state under PyTorch's names (`exp_avg`, `momentum_buffer`, …) that can be saved and loaded.
///
/// A step reads each parameter's accumulated gradient (or gradients passed in), computes the
/// new value without recording a graph, and assigns it as a fresh leaf — so gradients start
/// from nothing after a step. Parameters without a gradient are skipped, as in PyTorch.
///
/// ```swift
/// let optimizer = Adam(parameters: generator.parameters(), learningRate: 2e-4, betas: (0.5, 0.999))
/// loss.backward()
/// optimizer.step()
/// ```
public class Optimizer {
    /// The parameters updated, in order; state is keyed by position in this list.
    public let parameters: [Parameter]
    /// The learning rate; may be changed between steps (schedules).
    public var learningRate: Float
    /// How many times `step` has run.
    public internal(set) var stepCount = 0
    /// Per-parameter state, by PyTorch's names.
    var state: [[String: Tensor]]

    /// - Parameters:
    ///   - parameters: The parameters to update (e.g. `model.parameters()`).
    ///   - learningRate: The step size.
    public init(parameters: [Parameter], learningRate: Float) {
        precondition(Set(parameters.map(ObjectIdentifier.init)).count == parameters.count,
                     "\(type(of: self)): a parameter appears twice in the list")
        self.parameters = parameters
        self.learningRate = learningRate
        self.state = Array(repeating: [:], count: parameters.count)
    }

    /// Forgets every parameter's accumulated gradient.
    public func zeroGradients() {
        for p in parameters { p.clearGradient() }
    }

    /// Updates every parameter that has an accumulated gradient.
    public func step() {
        step(gradients: parameters.map(\.gradient))
    }

    /// Updates the parameters with the given gradients (from `gradients(of:wrt:)`), one per
    /// parameter, `nil` to skip one.
    public func step(gradients: [Tensor?]) {
        precondition(gradients.count == parameters.count,
                     "\(type(of: self)).step: \(gradients.count) gradients for \(parameters.count) parameters")
        withoutGradients {
            for (i, (p, g)) in zip(parameters, gradients).enumerated() {
                guard let g else { continue }
                precondition(g.shape == p.shape,
                             "\(type(of: self)).step: gradient \(g.shape) for parameter \(i) of shape \(p.shape)")
                p.value = update(index: i, value: p.value.detach(), gradient: g.detach()).requiringGradient()
            }
        }
        stepCount += 1
    }

    /// The new value of parameter `index`; subclasses implement their rule here and keep
    /// their state in `state[index]`.
    func update(index: Int, value: Tensor, gradient: Tensor) -> Tensor {
        preconditionFailure("\(type(of: self)) does not implement update(index:value:gradient:)")
    }

    /// The state names a parameter may have and whether each is a scalar (`step`).
    var stateLayout: [(name: String, scalar: Bool)] { [] }

    /// Increments and returns the per-parameter step count (`state[i]["step"]`).
    func nextStep(_ index: Int) -> Int {
        let t = Int(state[index]["step"]?.item ?? 0) + 1
        state[index]["step"] = Tensor(Float(t))
        return t
    }

    /// The optimiser's state: `state.<i>.<name>` per parameter (PyTorch's names) and
    /// `step_count` (I64). Hyperparameters are not included: they come from the code.
    public func stateDict() -> StateDict {
        var dict = StateDict()
        for (i, s) in state.enumerated() {
            for (name, _) in stateLayout {
                if let t = s[name] { dict.insert("state.\(i).\(name)", t) }
            }
        }
        dict.insert("step_count", Tensor(Float(stepCount)), dtype: .int64)
        return dict
    }

    /// Restores state saved by `stateDict()` of an optimiser of the same kind and parameter
    /// shapes. Nothing changes unless all of it fits; the error names every wrong key.
    public func load(stateDict: StateDict, source: String = "optimizer state") throws {
        var missing: [String] = [], unexpected: [String] = [], misshaped: [CheckpointError.ShapeMismatch] = []
        var newState = Array(repeating: [String: Tensor](), count: parameters.count)
        let layout = Dictionary(uniqueKeysWithValues: stateLayout.map { ($0.name, $0.scalar) })
        for entry in stateDict where entry.name != "step_count" {
            let parts = entry.name.split(separator: ".", maxSplits: 2).map(String.init)
            guard parts.count == 3, parts[0] == "state", let i = Int(parts[1]), parameters.indices.contains(i),
                  let scalar = layout[parts[2]] else {
                unexpected.append(entry.name)
                continue
            }
            let expected = scalar ? [] : parameters[i].shape
            if entry.tensor.shape != expected {
                misshaped.append(.init(name: entry.name, found: entry.tensor.shape, expected: expected))
            } else if scalar && Optimizer.count(entry.tensor) == nil {
                throw CheckpointError.unrepresentable(file: source, tensor: entry.name,
                                                      reason: "is \(entry.tensor.item), expected a step count")
            }
            newState[i][parts[2]] = entry.tensor
        }
        // A parameter that has been stepped has all its state (optional entries aside).
        let required = stateLayout.map(\.name)
        for (i, s) in newState.enumerated() where !s.isEmpty {
            for name in required where s[name] == nil { missing.append("state.\(i).\(name)") }
        }
        if let t = stateDict["step_count"] {
            if t.shape != [] { misshaped.append(.init(name: "step_count", found: t.shape, expected: [])) }
        } else {
            missing.append("step_count")
        }
        guard missing.isEmpty, unexpected.isEmpty, misshaped.isEmpty else {
            throw CheckpointError.stateMismatch(file: source, missing: missing, unexpected: unexpected, misshaped: misshaped)
        }
        guard let steps = Optimizer.count(stateDict["step_count"]!) else {
            throw CheckpointError.unrepresentable(file: source, tensor: "step_count",
                                                  reason: "is \(stateDict["step_count"]!.item), expected a step count")
        }
        state = newState
        stepCount = steps
    }

    /// The value of a one-element tensor as a non-negative integral count, if it is one.
    static func count(_ t: Tensor) -> Int? {
        guard t.count == 1 else { return nil }
        let v = t.item
        guard v.isFinite, v >= 0, v < 0x1p31, v.rounded() == v else { return nil }
        return Int(v)
    }
}
