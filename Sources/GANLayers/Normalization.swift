import GANTensor

// Batch and instance normalisation with PyTorch's running statistics: normalisation uses the
// biased batch variance, the running variance is updated with the unbiased one, and
// `num_batches_tracked` is an integer buffer.

/// Running statistics of a normalisation layer: `running_mean`, `running_var` `[C]` and
/// `num_batches_tracked` `[]` (saved as I64).
struct RunningStatistics {
    let mean: Buffer
    let variance: Buffer
    let batches: Buffer

    init(features: Int) {
        mean = Buffer(Tensor.zeros([features]))
        variance = Buffer(Tensor.ones([features]))
        batches = Buffer(Tensor(0), dtype: .int64)
    }

    func visit(_ visitor: ModuleVisitor) {
        visitor.buffer("running_mean", mean)
        visitor.buffer("running_var", variance)
        visitor.buffer("num_batches_tracked", batches)
    }

    /// `stat ← (1 − f)·stat + f·batch`, with `f = momentum`, or `1 / batches` (a cumulative
    /// average) when `momentum` is `nil`. `batchMean` / `batchVariance` are `[C]`, the
    /// variance already unbiased.
    func update(batchMean: Tensor, batchVariance: Tensor, momentum: Float?, countsBatch: Bool) {
        withoutGradients {
            if countsBatch { batches.value = batches.value + 1 }
            let f = momentum ?? 1 / Swift.max(batches.value.item, 1)
            mean.value = (1 - f) * mean.value + f * batchMean.detach()
            variance.value = (1 - f) * variance.value + f * batchVariance.detach()
        }
    }
}

/// Shape `[1, C, 1, …]` for per-channel values broadcast against an input of `rank`.
func channelShape(_ channels: Int, rank: Int) -> [Int] {
    [1, channels] + [Int](repeating: 1, count: Swift.max(rank - 2, 0))
}

/// Batch normalisation, as PyTorch's `nn.BatchNorm1d` / `nn.BatchNorm2d`: per channel (axis
/// 1), `y = (x − mean) / √(var + eps) · weight + bias`, with batch statistics in training
/// and the running statistics in evaluation.
///
/// Use `BatchNorm1d` (`[N, C]` or `[N, C, L]`) or `BatchNorm2d` (`[N, C, H, W]`).
public class BatchNorm: Module, UnaryLayer {
    /// The number of channels `C`.
    public let features: Int
    /// Added to the variance.
    public let epsilon: Float
    /// The running-average factor; `nil` for a cumulative average.
    public let momentum: Float?
    /// `[C]`, initialised to 1; `nil` when not affine.
    public let weight: Parameter?
    /// `[C]`, initialised to 0; `nil` when not affine.
    public let bias: Parameter?
    let running: RunningStatistics?
    let ranks: Set<Int>
    /// The processes whose batches share the statistics in training (synchronised BatchNorm,
    /// PyTorch's `SyncBatchNorm`; `gan train --sync-bn`); `nil`: this process's batch alone.
    /// Every process must then run the layer in training mode together. Not copied by
    /// `structuralCopy` (an EMA copy normalises with its running statistics).
    public var synchronization: Communicator?

    init(features: Int, epsilon: Float, momentum: Float?, affine: Bool, trackRunningStatistics: Bool, ranks: Set<Int>) {
        self.features = features
        self.epsilon = epsilon
        self.momentum = momentum
        self.ranks = ranks
        weight = affine ? Parameter(Tensor.ones([features])) : nil
        bias = affine ? Parameter(Tensor.zeros([features])) : nil
        running = trackRunningStatistics ? RunningStatistics(features: features) : nil
    }

    /// `running_mean` `[C]`, if tracked.
    public var runningMean: Buffer? { running?.mean }
    /// `running_var` `[C]`, if tracked.
    public var runningVariance: Buffer? { running?.variance }
    /// `num_batches_tracked` `[]`, if tracked.
    public var batchesTracked: Buffer? { running?.batches }

    /// `[N, C, …]` → the same shape.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(ranks.contains(input.rank) && input.shape[1] == features,
                     "\(type(of: self)): input must be [N, \(features)\(ranks.contains(3) ? "(, L)" : ", H, W")], got \(input.shape)")
        let shape = channelShape(features, rank: input.rank)
        guard isTraining || running == nil else {
            var y = (input - running!.mean.value.reshaped(shape)) * (running!.variance.value.reshaped(shape) + epsilon).rsqrt()
            if let weight { y = y * weight.value.reshaped(shape) }
            if let bias { y = y + bias.value.reshaped(shape) }
            return y
        }
        let n = input.count / features
        precondition(!isTraining || n > 1, "\(type(of: self)): expected more than 1 value per channel when training, got input \(input.shape)")
        let (y, mean, variance) = input.batchNormalized(weight: weight?.value, bias: bias?.value, epsilon: epsilon,
                                                        synchronizedBy: synchronization)
        // Synchronised, the batch is every process's (slices of one size).
        let values = n * (synchronization?.size ?? 1)
        if isTraining, let running {
            running.update(batchMean: mean, batchVariance: variance * (Float(values) / Float(values - 1)),
                           momentum: momentum, countsBatch: true)
        }
        return y
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.parameter("weight", weight)
        visitor.parameter("bias", bias)
        running?.visit(visitor)
    }
}

/// Batch normalisation of `[N, C]` or `[N, C, L]`, as PyTorch's `nn.BatchNorm1d`.
public final class BatchNorm1d: BatchNorm {
    /// - Parameters:
    ///   - features: Channels `C`.
    ///   - epsilon: Added to the variance.
    ///   - momentum: Running-average factor; `nil` for a cumulative average.
    ///   - affine: Learn `weight` and `bias`.
    ///   - trackRunningStatistics: Keep running statistics for evaluation.
    public init(features: Int, epsilon: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
                trackRunningStatistics: Bool = true) {
        super.init(features: features, epsilon: epsilon, momentum: momentum, affine: affine,
                   trackRunningStatistics: trackRunningStatistics, ranks: [2, 3])
    }

    override public func structuralCopy() -> Module {
        BatchNorm1d(features: features, epsilon: epsilon, momentum: momentum, affine: weight != nil,
                    trackRunningStatistics: running != nil)
    }
}

/// Batch normalisation of `[N, C, H, W]`, as PyTorch's `nn.BatchNorm2d`.
public final class BatchNorm2d: BatchNorm {
    /// - Parameters:
    ///   - features: Channels `C`.
    ///   - epsilon: Added to the variance.
    ///   - momentum: Running-average factor; `nil` for a cumulative average.
    ///   - affine: Learn `weight` and `bias`.
    ///   - trackRunningStatistics: Keep running statistics for evaluation.
    public init(features: Int, epsilon: Float = 1e-5, momentum: Float? = 0.1, affine: Bool = true,
                trackRunningStatistics: Bool = true) {
        super.init(features: features, epsilon: epsilon, momentum: momentum, affine: affine,
                   trackRunningStatistics: trackRunningStatistics, ranks: [4])
    }

    override public func structuralCopy() -> Module {
        BatchNorm2d(features: features, epsilon: epsilon, momentum: momentum, affine: weight != nil,
                    trackRunningStatistics: running != nil)
    }
}

/// Instance normalisation, as PyTorch's `nn.InstanceNorm2d` (CycleGAN, StyleGAN's AdaIN):
/// each sample's channel normalised over its own `H×W`.
///
/// Shapes: `[N, C, H, W]` → the same. Not affine and without running statistics by default,
/// as in PyTorch. With `trackRunningStatistics`, training updates `running_mean` /
/// `running_var` with the batch average of the instance statistics (unbiased variance) and
/// evaluation normalises with them; `num_batches_tracked` is kept but, as in PyTorch, not
/// counted.
public final class InstanceNorm2d: Module, UnaryLayer {
    /// Number of channels (or statistic channels) `C`.
    public let features: Int
    /// Added for numerical stability (to a variance or a norm).
    public let epsilon: Float
    /// Momentum factor.
    public let momentum: Float
    /// `[C]` ones, when affine.
    public let weight: Parameter?
    /// `[C]` zeros, when affine.
    public let bias: Parameter?
    let running: RunningStatistics?

    /// - Parameters:
    ///   - features: Channels `C`.
    ///   - epsilon: Added to the variance.
    ///   - momentum: Running-average factor.
    ///   - affine: Learn `weight` and `bias` (PyTorch's default `false`).
    ///   - trackRunningStatistics: Keep running statistics (default `false`).
    public init(features: Int, epsilon: Float = 1e-5, momentum: Float = 0.1, affine: Bool = false,
                trackRunningStatistics: Bool = false) {
        self.features = features
        self.epsilon = epsilon
        self.momentum = momentum
        weight = affine ? Parameter(Tensor.ones([features])) : nil
        bias = affine ? Parameter(Tensor.zeros([features])) : nil
        running = trackRunningStatistics ? RunningStatistics(features: features) : nil
    }

    /// `running_mean` `[C]`, if tracked.
    public var runningMean: Buffer? { running?.mean }
    /// `running_var` `[C]`, if tracked.
    public var runningVariance: Buffer? { running?.variance }

    /// `[N, C, H, W]` → the same shape.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == features,
                     "InstanceNorm2d: input must be [N, \(features), H, W], got \(input.shape)")
        let shape = channelShape(features, rank: 4)
        var y: Tensor
        if !isTraining, let running {
            y = (input - running.mean.value.reshaped(shape)) * (running.variance.value.reshaped(shape) + epsilon).rsqrt()
        } else {
            let n = input.shape[2] * input.shape[3]
            precondition(n > 1 || !isTraining, "InstanceNorm2d: expected more than 1 spatial element when training, got \(input.shape)")
            let mean = input.mean(axes: [2, 3], keepDims: true)
            let variance = input.variance(axes: [2, 3], correction: 0, keepDims: true)
            if isTraining, let running {
                running.update(batchMean: mean.mean(axes: [0, 2, 3]),
                               batchVariance: variance.mean(axes: [0, 2, 3]) * (Float(n) / Float(n - 1)),
                               momentum: momentum, countsBatch: false)
            }
            y = (input - mean) * (variance + epsilon).rsqrt()
        }
        if let weight { y = y * weight.value.reshaped(shape) }
        if let bias { y = y + bias.value.reshaped(shape) }
        return y
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.parameter("weight", weight)
        visitor.parameter("bias", bias)
        running?.visit(visitor)
    }

    override public func structuralCopy() -> Module {
        InstanceNorm2d(features: features, epsilon: epsilon, momentum: momentum, affine: weight != nil,
                       trackRunningStatistics: running != nil)
    }
}
