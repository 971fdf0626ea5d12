import GANTensor

/// A layer with a `weight` parameter that spectral normalisation can wrap.
public protocol SpectralNormalizable: Module {
    /// The weight.
    var weight: Parameter { get }
    /// The axis of `weight` that indexes output features: 0, except 1 for a transposed
    /// convolution's `[in, out, kh, kw]` (PyTorch's `spectral_norm` `dim`).
    var outputAxis: Int { get }
}

/// A one-input layer whose forward can run with a substitute weight (the spectrally
/// normalised one).
public protocol WeightedLayer: SpectralNormalizable, UnaryLayer {
    /// The forward pass with `weight` in place of `self.weight.value`.
    func callAsFunction(_ input: Tensor, weight: Tensor) -> Tensor
}

extension Tensor {
    /// `x · Wᵀ + b` over the last axis: `[…, in]` with `W` `[out, in]` → `[…, out]`.
    func affine(weight: Tensor, bias: Tensor?, op: String) -> Tensor {
        precondition(rank >= 1 && weight.rank == 2 && shape[rank - 1] == weight.shape[1],
                     "\(op): input \(shape) does not end in \(weight.shape[1]) features (weight \(weight.shape))")
        let rows = count / Swift.max(weight.shape[1], 1)
        let flat = reshaped([1, rows, weight.shape[1]])
        var y = Tensor.batchedMatmul(flat, weight.reshaped([1] + weight.shape), transposeB: true)
        y = y.reshaped(Array(shape.dropLast()) + [weight.shape[0]])
        if let bias { y = y + bias }
        return y
    }
}

/// A fully connected layer, `y = x·Wᵀ + b`, as PyTorch's `nn.Linear`.
///
/// Shapes: input `[…, inputFeatures]` → `[…, outputFeatures]`. Default initialisation as
/// PyTorch: weight and bias `U(-1/√in, 1/√in)`.
///
/// ```swift
/// let head = Linear(inputFeatures: 6272, outputFeatures: 1, using: &rng)
/// let logits = head(features)  // [N, 1]
/// ```
public final class Linear: Module, WeightedLayer {
    /// Size of the last input axis.
    public let inputFeatures: Int
    /// Size of the last output axis.
    public let outputFeatures: Int
    /// `[out, in]`
    public let weight: Parameter
    /// `[out]`, or `nil` without bias.
    public let bias: Parameter?

    /// - Parameters:
    ///   - inputFeatures: Size of the last input axis.
    ///   - outputFeatures: Size of the last output axis.
    ///   - bias: Whether to add a learned bias.
    ///   - generator: Draws the initial weights.
    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true, using generator: inout RandomGenerator) {
        precondition(inputFeatures >= 0 && outputFeatures >= 0,
                     "Linear: feature counts \(inputFeatures) → \(outputFeatures) must not be negative")
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        let shape = [outputFeatures, inputFeatures]
        weight = Parameter(Initializer.pytorchDefaultWeight(shape, using: &generator))
        self.bias = bias
            ? Parameter(Initializer.pytorchDefaultBias(outputFeatures, fanIn: inputFeatures, using: &generator))
            : nil
    }

    /// The weight axis that indexes outputs (for spectral normalisation).
    public var outputAxis: Int { 0 }

    /// `[…, in]` → `[…, out]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let w = weight.value
        guard !Tensor.recordsGraph(for: [input, w] + (bias.map { [$0.value] } ?? [])) else {
            return callAsFunction(input, weight: w)
        }
        // Inference: the weight packed once while it stays the same storage (the same bits).
        let packed = packedWeight.flatMap { $0.source === w.storage ? $0 : nil } ?? PackedWeight(w)
        packedWeight = packed
        let y = packed.product(input, op: "Linear")
        return bias.map { y + $0.value } ?? y
    }

    /// The weight packed for inference products, while the weight keeps its storage.
    private var packedWeight: PackedWeight?

    /// The forward pass with `weight` (`[out, in]`) in place of the layer's.
    public func callAsFunction(_ input: Tensor, weight: Tensor) -> Tensor {
        input.affine(weight: weight, bias: bias?.value, op: "Linear")
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.parameter("weight", weight)
        visitor.parameter("bias", bias)
    }

    override public func structuralCopy() -> Module {
        var g = RandomGenerator(seed: 0)
        return Linear(inputFeatures: inputFeatures, outputFeatures: outputFeatures, bias: bias != nil, using: &g)
    }
}

/// A lookup table of learned vectors, as PyTorch's `nn.Embedding` (class embeddings of
/// conditional GANs).
///
/// Shapes: `count` indices in `0..<entries` → `[count, dimension]`. Initialised `N(0, 1)`.
public final class Embedding: Module, SpectralNormalizable {
    /// The number of rows (classes).
    public let entries: Int
    /// The length of each vector.
    public let dimension: Int
    /// `[entries, dimension]`
    public let weight: Parameter

    /// - Parameters:
    ///   - entries: Number of vectors (PyTorch's `num_embeddings`).
    ///   - dimension: Length of each vector (`embedding_dim`).
    ///   - generator: Draws the initial `N(0, 1)` values.
    public init(entries: Int, dimension: Int, using generator: inout RandomGenerator) {
        self.entries = entries
        self.dimension = dimension
        weight = Parameter(Initializer.normal([entries, dimension], using: &generator))
    }

    /// The weight axis that indexes outputs (for spectral normalisation).
    public var outputAxis: Int { 0 }

    /// The rows at `indices`: `[indices.count, dimension]`. Each index must be in `0..<entries`.
    public func callAsFunction(_ indices: [Int]) -> Tensor {
        callAsFunction(indices, weight: weight.value)
    }

    /// The rows of `weight` (`[entries, dimension]`) at `indices`.
    public func callAsFunction(_ indices: [Int], weight: Tensor) -> Tensor {
        precondition(weight.shape == [entries, dimension],
                     "Embedding: weight \(weight.shape) should be [\(entries), \(dimension)]")
        return weight.indexSelect(axis: 0, indices: indices)
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        visitor.parameter("weight", weight)
    }

    override public func structuralCopy() -> Module {
        var g = RandomGenerator(seed: 0)
        return Embedding(entries: entries, dimension: dimension, using: &g)
    }
}
