import Foundation
import GANData

/// How a run trains, besides the model: written into `config.json` as `run`.
public struct RunSettings: Codable, Equatable, Sendable {
    /// The family's name (`dcgan`).
    public var family: String
    /// The preset the model config started from.
    public var preset: String
    /// The data, as the CLI names it (domain A of a two-domain family).
    public var data: DataSpec
    /// Domain B of a two-domain family (`--data-b`).
    public var dataB: DataSpec?
    /// Seeds the weights (`seed`), the trainer's RNG (`seed + 1`), the batches (`seed + 2`) and
    /// the fixed sample latents (`seed + 3`).
    public var seed: UInt64
    public var batchSize: Int
    /// Steps to train for in total.
    public var steps: Int
    public var logEvery: Int
    public var sampleEvery: Int
    public var checkpointEvery: Int
    /// Step checkpoints kept (older ones are deleted; 0 keeps all).
    public var keepCheckpoints: Int
    /// How every optimiser's learning rate moves over the run.
    public var schedule: LearningRateSchedule
    /// Evaluation during training (`--eval-every`); `nil`: none. Absent from older run folders.
    public var evaluation: RunEvaluation?
    /// Whether the run writes TensorBoard event files into `tensorboard/` (`--no-tensorboard`:
    /// false). Saved only when false; absent (older run folders): true.
    public var tensorboard: Bool
    /// Data-parallel training (`--distributed mpi`): ranks and synchronised BatchNorm; `nil`
    /// (absent): one process.
    public var dataParallel: DataParallelSettings?

    public init(family: String, preset: String, data: DataSpec, dataB: DataSpec? = nil, seed: UInt64 = 0,
                batchSize: Int = 64, steps: Int = 1000, logEvery: Int = 50, sampleEvery: Int = 250,
                checkpointEvery: Int = 250, keepCheckpoints: Int = 3, schedule: LearningRateSchedule = .constant,
                evaluation: RunEvaluation? = nil, tensorboard: Bool = true, dataParallel: DataParallelSettings? = nil) {
        self.family = family
        self.preset = preset
        self.data = data
        self.dataB = dataB
        self.seed = seed
        self.batchSize = batchSize
        self.steps = steps
        self.logEvery = logEvery
        self.sampleEvery = sampleEvery
        self.checkpointEvery = checkpointEvery
        self.keepCheckpoints = keepCheckpoints
        self.schedule = schedule
        self.evaluation = evaluation
        self.tensorboard = tensorboard
        self.dataParallel = dataParallel
    }

    /// The processes the run trains with (1 without `--distributed`).
    public var ranks: Int { dataParallel?.ranks ?? 1 }

    /// The data specs, one per domain.
    public var dataSpecs: [DataSpec] { [data] + (dataB.map { [$0] } ?? []) }

    /// Checks the numbers.
    public func validate() throws {
        for (name, value) in [("--steps", steps), ("--batch-size", batchSize), ("--log-every", logEvery),
                              ("--sample-every", sampleEvery), ("--checkpoint-every", checkpointEvery)] where value <= 0 {
            throw ModelError.invalidOption("\(name) must be positive, got \(value)")
        }
        if case .linear(let start) = schedule, !(start >= 0 && start < 1) {
            throw ModelError.invalidOption("--lr-decay-start must be in [0, 1), got \(start)")
        }
        guard keepCheckpoints >= 0 else { throw ModelError.invalidOption("--keep-checkpoints must be 0 or more, got \(keepCheckpoints)") }
        if let evaluation {
            guard evaluation.every > 0 else { throw ModelError.invalidOption("--eval-every must be positive, got \(evaluation.every)") }
            guard evaluation.count >= 2 else { throw ModelError.invalidOption("--eval-count must be at least 2, got \(evaluation.count)") }
        }
    }

    // The schedule is stored as `learningRateDecay` ("linear" or absent) and
    // `learningRateDecayStart`, as run folders have always had it.
    private enum CodingKeys: String, CodingKey {
        case family, preset, data, dataB, seed, batchSize, steps, logEvery, sampleEvery, checkpointEvery,
             keepCheckpoints, learningRateDecay, learningRateDecayStart, evaluation, tensorboard, dataParallel
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        family = try c.decode(String.self, forKey: .family)
        preset = try c.decode(String.self, forKey: .preset)
        data = try c.decode(DataSpec.self, forKey: .data)
        dataB = try c.decodeIfPresent(DataSpec.self, forKey: .dataB)
        seed = try c.decode(UInt64.self, forKey: .seed)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        steps = try c.decode(Int.self, forKey: .steps)
        logEvery = try c.decode(Int.self, forKey: .logEvery)
        sampleEvery = try c.decode(Int.self, forKey: .sampleEvery)
        checkpointEvery = try c.decode(Int.self, forKey: .checkpointEvery)
        keepCheckpoints = try c.decode(Int.self, forKey: .keepCheckpoints)
        evaluation = try c.decodeIfPresent(RunEvaluation.self, forKey: .evaluation)
        tensorboard = try c.decodeIfPresent(Bool.self, forKey: .tensorboard) ?? true
        dataParallel = try c.decodeIfPresent(DataParallelSettings.self, forKey: .dataParallel)
        switch try c.decodeIfPresent(String.self, forKey: .learningRateDecay) {
        case nil, "none":
            schedule = .constant
        case "linear":
            schedule = .linear(start: try c.decodeIfPresent(Double.self, forKey: .learningRateDecayStart) ?? 0)
        case let other?:
            throw DecodingError.dataCorruptedError(forKey: .learningRateDecay, in: c,
                                                   debugDescription: "unknown learning-rate decay '\(other)' (expected linear or none)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(family, forKey: .family)
        try c.encode(preset, forKey: .preset)
        try c.encode(data, forKey: .data)
        try c.encodeIfPresent(dataB, forKey: .dataB)
        try c.encode(seed, forKey: .seed)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(steps, forKey: .steps)
        try c.encode(logEvery, forKey: .logEvery)
        try c.encode(sampleEvery, forKey: .sampleEvery)
        try c.encode(checkpointEvery, forKey: .checkpointEvery)
        try c.encode(keepCheckpoints, forKey: .keepCheckpoints)
        if case .linear(let start) = schedule {
            try c.encode("linear", forKey: .learningRateDecay)
            if start > 0 { try c.encode(start, forKey: .learningRateDecayStart) }
        }
        try c.encodeIfPresent(evaluation, forKey: .evaluation)
        if !tensorboard { try c.encode(false, forKey: .tensorboard) }
        try c.encodeIfPresent(dataParallel, forKey: .dataParallel)
    }
}
