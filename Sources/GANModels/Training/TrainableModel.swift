import GANData
import GANLayers
import GANTensor

/// What the trainer trains: a family's networks, optimisers and step. The trainer owns the
/// loop, logging, the learning-rate schedule, checkpoints, stopping and resume; it knows a
/// model only through this protocol, as stylegan2-ada's loop knows its phases by name.
///
/// ```swift
/// let model = try config.makeModel(using: &rng)          // any TrainableModel
/// let metrics = try model.trainingStep(context)          // D steps, G step, penalties, EMA
/// let checkpoint = model.stateDict()                     // "generator.fc.weight", "optimizer_g.…"
/// ```
public protocol TrainableModel: AnyObject {
    /// The networks by name (`generator`, `discriminator`, `generator_a2b`, …): the checkpoint
    /// stores each under `NAME.` with PyTorch's names below.
    var networks: [(name: String, module: Module)] { get }
    /// The optimisers by name (`optimizer_g`, …); the learning-rate schedule scales each one.
    var optimizers: [(name: String, optimizer: Optimizer)] { get }
    /// Everything a checkpoint holds of the model, part by part: networks, optimisers, EMA
    /// copies, image pools, growth state.
    var stateParts: [StatePart] { get }
    /// One training step: every real batch from `context.nextBatch`, every random draw from
    /// `context.rng`, every gradient through `context.apply(_:to:)`.
    /// - Throws: `ModelError.nonFinite` when a loss is NaN or infinite (before it updates anything).
    func trainingStep(_ context: StepContext) throws -> StepMetrics
    /// The picture for `samples/step-N.png`, from inputs fixed for the whole run.
    func samplePicture(_ inputs: PreviewInputs) -> SamplePicture
}

extension TrainableModel {
    /// All parts under their prefixes.
    public func stateDict() -> StateDict {
        var state = StateDict()
        for part in stateParts { state.merge(part.save().prefixed(part.prefix + ".")) }
        return state
    }

    /// Restores everything `stateDict()` saved. Nothing partial: each part is checked first
    /// (networks against a copy), and a stray or missing key throws naming it.
    public func load(stateDict state: StateDict, source: String) throws {
        let parts = stateParts
        if let stray = state.keys.first(where: { key in !parts.contains { key.hasPrefix($0.prefix + ".") } }) {
            throw CheckpointError.stateMismatch(file: source, missing: [], unexpected: [stray], misshaped: [])
        }
        for part in parts { try part.check(state.entries(withPrefix: part.prefix + "."), source) }
        for part in parts { try part.load(state.entries(withPrefix: part.prefix + "."), source) }
    }

    /// The number of trainable values in all networks, each shared parameter counted once.
    public var parameterCount: Int {
        var seen = Set<ObjectIdentifier>()
        var count = 0
        for (_, module) in networks {
            for p in module.parameters() where seen.insert(ObjectIdentifier(p)).inserted { count += p.value.count }
        }
        return count
    }
}

/// One named part of a model's checkpoint and how to save, check and restore it.
public struct StatePart {
    /// The key prefix, without the dot.
    public let prefix: String
    public let save: () -> StateDict
    /// Throws when `load` would fail, changing nothing.
    public let check: (StateDict, String) throws -> Void
    public let load: (StateDict, String) throws -> Void

    public init(prefix: String, save: @escaping () -> StateDict,
                check: @escaping (StateDict, String) throws -> Void = { _, _ in },
                load: @escaping (StateDict, String) throws -> Void) {
        self.prefix = prefix
        self.save = save
        self.check = check
        self.load = load
    }

    /// A network's parameters and buffers.
    public static func network(_ prefix: String, _ module: Module) -> StatePart {
        StatePart(prefix: prefix, save: { module.stateDict() },
                  check: { try module.copy().load(stateDict: $0, source: $1) },
                  load: { try module.load(stateDict: $0, source: $1) })
    }

    /// An optimiser's moments and step count.
    public static func optimizer(_ prefix: String, _ optimizer: Optimizer) -> StatePart {
        StatePart(prefix: prefix, save: { optimizer.stateDict() },
                  load: { try optimizer.load(stateDict: $0, source: $1) })
    }

    /// An exponential moving average of a network (its averaged copy and update count).
    public static func average<M: Module>(_ prefix: String, _ ema: ExponentialMovingAverage<M>) -> StatePart {
        StatePart(prefix: prefix, save: { ema.stateDict() },
                  check: { state, source in
                      var weights = state
                      weights.remove("num_updates")
                      try ema.average.copy().load(stateDict: weights, source: source)
                  },
                  load: { try ema.load(stateDict: $0, source: $1) })
    }
}

/// Inputs fixed for a whole run, so that sample grids of different steps compare.
public struct PreviewInputs {
    /// The run's seed; latents for the grid come from `seed + 3`.
    public let seed: UInt64
    /// Held-out samples of each domain (translation models show these translated).
    public let samples: [Tensor]

    public init(seed: UInt64, samples: [Tensor] = []) {
        self.seed = seed
        self.samples = samples
    }
}

/// What a model draws for `samples/`.
public enum SamplePicture {
    /// Images `[N, C, H, W]`, `perRow` to a row.
    case grid(Tensor, perRow: Int)
    /// 2-D points `[N, 2]` (toy data), coloured by label when given.
    case points(Tensor, labels: [Int]?)
}
