import GANTensor

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
