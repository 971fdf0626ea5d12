import GANData
import GANTensor

/// Where training stands, stored in a checkpoint's safetensors metadata next to the tensors.
///
/// Format 1 (the first five families) named the RNG `generator` and held one `batcher`;
/// format 2 names it `rng` and holds one batcher state per data domain. Both read.
public struct TrainingState: Codable, Equatable, Sendable {
    /// The format this build writes.
    public static let currentFormat = 2

    /// Format version of this record.
    public var format: Int
    /// The family that wrote it.
    public var family: String
    /// Steps done.
    public var step: Int
    /// The trainer's RNG: latents, penalty coefficients, noise, pool replacement.
    public var rng: RandomGenerator
    /// Each data domain's position and RNG.
    public var batchers: [BatcherState]
    /// The processes of the data-parallel run that wrote it (stored when more than 1); a
    /// resume needs as many.
    public var ranks: Int

    public init(family: String, step: Int, rng: RandomGenerator, batchers: [BatcherState], ranks: Int = 1) {
        self.format = TrainingState.currentFormat
        self.family = family
        self.step = step
        self.rng = rng
        self.batchers = batchers
        self.ranks = ranks
    }

    private enum CodingKeys: String, CodingKey {
        case format, family, step, rng, batchers, ranks
        case generator, batcher  // format 1
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(Int.self, forKey: .format)
        guard (1...TrainingState.currentFormat).contains(format) else {
            throw DecodingError.dataCorruptedError(forKey: .format, in: c, debugDescription:
                "training state format \(format) is newer than this build reads (1–\(TrainingState.currentFormat)); update swift-gan")
        }
        family = try c.decode(String.self, forKey: .family)
        step = try c.decode(Int.self, forKey: .step)
        if format == 1 {
            rng = try c.decode(RandomGenerator.self, forKey: .generator)
            batchers = [try c.decode(BatcherState.self, forKey: .batcher)]
        } else {
            rng = try c.decode(RandomGenerator.self, forKey: .rng)
            batchers = try c.decode([BatcherState].self, forKey: .batchers)
        }
        ranks = try c.decodeIfPresent(Int.self, forKey: .ranks) ?? 1
        guard ranks >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .ranks, in: c, debugDescription: "ranks must be at least 1, got \(ranks)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(format, forKey: .format)
        try c.encode(family, forKey: .family)
        try c.encode(step, forKey: .step)
        try c.encode(rng, forKey: .rng)
        try c.encode(batchers, forKey: .batchers)
        if ranks > 1 { try c.encode(ranks, forKey: .ranks) }
    }
}
