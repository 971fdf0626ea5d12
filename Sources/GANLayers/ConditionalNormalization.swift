import GANTensor

/// Conditional batch normalisation: batch normalisation without its own affine part, followed
/// by a per-sample gain and bias computed from the condition.
///
/// Two kinds of condition:
/// - `.classes(k)`: class-conditional BN (SNGAN, cGANs with projection): `gain` and `bias` are
///   `Embedding(k, C)` tables, initialised to 1 and 0; `y = gain[label] · x̂ + bias[label]`.
/// - `.vector(d)`: BigGAN's conditional BN: `gain` and `bias` are bias-free `Linear(d, C)` maps
///   of a conditioning vector (the shared class embedding concatenated with a latent chunk),
///   optionally spectrally normalised; `y = (1 + gain(c)) · x̂ + bias(c)`.
///
/// Shapes: `[N, C, H, W]` → the same; labels `[N]` or conditioning `[N, d]`. Children: `bn`
/// (running statistics: `bn.running_mean`, `bn.running_var`, `bn.num_batches_tracked`),
/// `gain`, `bias`.
public final class ConditionalBatchNorm2d: Module {
    /// What the gain and bias are computed from.
    public enum Condition: Equatable, Sendable {
        /// A class label in `0..<count`.
        case classes(Int)
        /// A vector of this length.
        case vector(Int)
    }

    /// Number of channels (or statistic channels) `C`.
    public let features: Int
    /// What the gain and bias are computed from.
    public let condition: Condition
    /// Batch normalisation without affine parameters.
    public let batchNorm: BatchNorm2d
    /// The per-class gains `[classes, C]` (`.classes`).
    public let gainEmbedding: Embedding?
    /// The per-class biases `[classes, C]` (`.classes`).
    public let biasEmbedding: Embedding?
    /// `d → C` without bias (`.vector`).
    public let gainMap: (any UnaryLayer)?
    /// `d → C` without bias (`.vector`).
    public let biasMap: (any UnaryLayer)?

    /// - Parameters:
    ///   - features: Channels `C`.
    ///   - condition: Class labels or a conditioning vector.
    ///   - epsilon: Batch-norm epsilon.
    ///   - momentum: Batch-norm running-average factor.
    ///   - spectralNormalization: Spectrally normalise the linear maps (BigGAN); ignored for classes.
    ///   - generator: Draws the initial weights of the linear maps.
    public init(features: Int, condition: Condition, epsilon: Float = 1e-5, momentum: Float? = 0.1,
                spectralNormalization: Bool = false, using generator: inout RandomGenerator) {
        self.features = features
        self.condition = condition
        batchNorm = BatchNorm2d(features: features, epsilon: epsilon, momentum: momentum, affine: false)
        switch condition {
        case .classes(let count):
            let gain = Embedding(entries: count, dimension: features, using: &generator)
            gain.weight.value = Tensor.ones([count, features])
            let bias = Embedding(entries: count, dimension: features, using: &generator)
            bias.weight.value = Tensor.zeros([count, features])
            gainEmbedding = gain
            biasEmbedding = bias
            gainMap = nil
            biasMap = nil
        case .vector(let length):
            func map() -> any UnaryLayer {
                let l = Linear(inputFeatures: length, outputFeatures: features, bias: false, using: &generator)
                return spectralNormalization ? SpectralNorm(l, using: &generator) : l
            }
            gainMap = map()
            biasMap = map()
            gainEmbedding = nil
            biasEmbedding = nil
        }
    }

    /// Class-conditional forward: `[N, C, H, W]` and `N` labels → `[N, C, H, W]`.
    public func callAsFunction(_ input: Tensor, labels: [Int]) -> Tensor {
        guard let gainEmbedding, let biasEmbedding else {
            preconditionFailure("ConditionalBatchNorm2d: built for a conditioning vector, called with labels")
        }
        precondition(labels.count == input.shape.first, "ConditionalBatchNorm2d: \(labels.count) labels for input \(input.shape)")
        let shape = [labels.count, features, 1, 1]
        return batchNorm(input) * gainEmbedding(labels).reshaped(shape) + biasEmbedding(labels).reshaped(shape)
    }

    /// Vector-conditional forward: `[N, C, H, W]` and `[N, d]` → `[N, C, H, W]`.
    public func callAsFunction(_ input: Tensor, conditioning: Tensor) -> Tensor {
        guard let gainMap, let biasMap else {
            preconditionFailure("ConditionalBatchNorm2d: built for class labels, called with a conditioning vector")
        }
        precondition(conditioning.rank == 2 && conditioning.shape[0] == input.shape.first,
                     "ConditionalBatchNorm2d: conditioning \(conditioning.shape) does not match input \(input.shape)")
        let shape = [conditioning.shape[0], features, 1, 1]
        return batchNorm(input) * (1 + gainMap(conditioning).reshaped(shape)) + biasMap(conditioning).reshaped(shape)
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.module("bn", batchNorm)
        visitor.module("gain", gainEmbedding as Module? ?? gainMap)
        visitor.module("bias", biasEmbedding as Module? ?? biasMap)
    }

    override public func structuralCopy() -> Module {
        var g = RandomGenerator(seed: 0)
        let sn = gainMap is SpectralNormWrapper
        return ConditionalBatchNorm2d(features: features, condition: condition, epsilon: batchNorm.epsilon,
                                      momentum: batchNorm.momentum, spectralNormalization: sn, using: &g)
    }
}
