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
    /// One line on the model's size for the start of a run (default: parameters per network).
    var parameterSummary: String { get }
}

extension TrainableModel {
    /// All parts under their prefixes.
    public func stateDict() -> StateDict {
        var state = StateDict()
        for part in stateParts { state.merge(part.save().prefixed(part.prefix + ".")) }
        return state
    }

    /// Restores everything `stateDict()` saved. A stray key throws naming it; networks, EMA
    /// copies and pools are checked (against copies) before anything changes; an optimiser's
    /// state is checked as it loads, after them.
    public func load(stateDict state: StateDict, source: String) throws {
        let parts = stateParts
        if let stray = state.keys.first(where: { key in !parts.contains { key.hasPrefix($0.prefix + ".") } }) {
            throw CheckpointError.stateMismatch(file: source, missing: [], unexpected: [stray], misshaped: [])
        }
        for part in parts { try part.check(state.entries(withPrefix: part.prefix + "."), source) }
        for part in parts { try part.load(state.entries(withPrefix: part.prefix + "."), source) }
    }

    public var parameterSummary: String {
        "parameters: " + networks.map { "\($0.name) \($0.module.parameterCount)" }.joined(separator: ", ")
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
