import GANTensor

/// An exponential moving average of a module's weights (ProGAN, StyleGAN and BigGAN sample
/// from it): a deep copy whose parameters follow the model's,
/// `average ← decay·average + (1 − decay)·parameter`, and whose buffers (running
/// statistics) are copied from the model at each update. Spectrally normalised layers keep
/// their own power-iteration vectors, iterated on the averaged weight at each update (as many
/// steps as the layer takes per training forward, at least one): the model's `u` and `v`
/// estimate σ of the model's weight, not of the average.
///
/// With `warmUp`, the decay in force after `n` updates is `min(decay, (1 + n) / (10 + n))`
/// (TensorFlow's `num_updates` rule), so the average forgets its random start quickly.
///
/// ```swift
/// let ema = ExponentialMovingAverage(model: generator, decay: 0.999)
/// // after each generator step:
/// ema.update()
/// let samples = withoutGradients { ema.average.eval()(z) }
/// ```
public final class ExponentialMovingAverage<Model: Module> {
    /// The module being trained.
    public let model: Model
    /// The averaged copy.
    public let average: Model
    /// The decay per update, in [0, 1].
    public var decay: Float
    /// Whether the decay ramps up from 0.1 (see the type's description).
    public let warmUp: Bool
    /// How many updates have run.
    public private(set) var updateCount = 0

    private let parameterPairs: [(model: Parameter, average: Parameter)]
    private let bufferPairs: [(model: Buffer, average: Buffer)]
    /// The average's spectrally normalised layers.
    private let spectralNorms: [any SpectralNormWrapper]

    /// An average starting as a deep copy of `model` (`model.copy()`).
    public convenience init(model: Model, decay: Float = 0.999, warmUp: Bool = false) {
        self.init(model: model, average: model.copy(), decay: decay, warmUp: warmUp)
    }

    /// An average kept in `average`, a module of the same structure as `model` (built by the
    /// caller); its values are first set to the model's.
    public init(model: Model, average: Model, decay: Float = 0.999, warmUp: Bool = false) {
        precondition(decay >= 0 && decay <= 1, "ExponentialMovingAverage: decay \(decay) must be in [0, 1]")
        precondition(model !== average, "ExponentialMovingAverage: the average must be a separate module")
        self.model = model
        self.average = average
        self.decay = decay
        self.warmUp = warmUp
        average.copyState(from: model)
        let averageParameters = Dictionary(average.allParameters().map { ($0.name, $0.parameter) }) { a, _ in a }
        parameterPairs = model.namedParameters().map { name, p in
            guard let a = averageParameters[name] else {
                preconditionFailure("ExponentialMovingAverage: average has no parameter '\(name)'")
            }
            return (p, a)
        }
        let averageBuffers = Dictionary(average.namedBuffers().map { ($0.name, $0.buffer) }) { a, _ in a }
        spectralNorms = average.namedModules().compactMap { $0.module as? any SpectralNormWrapper }
        let ownVectors = Set(spectralNorms.flatMap { sn in sn.namedBuffers().map { ObjectIdentifier($0.buffer) } })
        bufferPairs = model.namedBuffers().filter { averageBuffers[$0.name].map { !ownVectors.contains(ObjectIdentifier($0)) } ?? true }.map { name, b in
            guard let a = averageBuffers[name] else {
                preconditionFailure("ExponentialMovingAverage: average has no buffer '\(name)'")
            }
            return (b, a)
        }
    }

    /// The decay the next update uses.
    public var currentDecay: Float {
        guard warmUp else { return decay }
        let n = Float(updateCount)
        return Swift.min(decay, (1 + n) / (10 + n))
    }

    /// Moves the average towards the model's current weights and copies its buffers; with
    /// `decay` given, by that decay instead of `currentDecay` (0 copies the weights, as BigGAN's
    /// EMA does before its start step).
    public func update(decay override: Float? = nil) {
        let d = override ?? currentDecay
        withoutGradients {
            for (p, a) in parameterPairs {
                a.value = p.value.detach() + d * (a.value.detach() - p.value.detach())
            }
        }
        for (b, a) in bufferPairs { a.value = b.value }
        for sn in spectralNorms { sn.iteratePowerMethod(max(sn.powerIterations, 1)) }
        updateCount += 1
    }

    /// The average's state dict plus `num_updates` (I64). `average.stateDict()` alone is the
    /// averaged model, loadable into the PyTorch module.
    public func stateDict() -> StateDict {
        var state = average.stateDict()
        state.insert("num_updates", Tensor(Float(updateCount)), dtype: .int64)
        return state
    }

    /// Restores a state saved by `stateDict()` (strictly; `num_updates` may be absent).
    public func load(stateDict: StateDict, source: String = "EMA state") throws {
        var weights = stateDict
        weights.remove("num_updates")
        var count = 0
        if let n = stateDict["num_updates"] {
            guard let c = Optimizer.count(n) else {
                throw CheckpointError.unrepresentable(file: source, tensor: "num_updates", reason: "is not an update count")
            }
            count = c
        }
        try average.load(stateDict: weights, strict: true, source: source)
        updateCount = count
    }
}
