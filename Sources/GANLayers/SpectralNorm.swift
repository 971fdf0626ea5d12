import GANTensor

/// A spectrally normalised layer seen without its layer type (for initialisers and tools).
public protocol SpectralNormWrapper: Module {
    /// The wrapped layer, whose `weight` is stored as `weight_orig`.
    var wrappedLayer: Module { get }
    /// The weight the layer runs with in evaluation, `weight_orig / σ` with the stored `u` and
    /// `v`, viewed as the `[outputs, rest]` matrix σ estimates the largest singular value of.
    var normalizedMatrix: Tensor { get }
    /// Power-iteration steps per training forward.
    var powerIterations: Int { get set }
    /// Runs `iterations` power-iteration steps on the current weight, updating `u` and `v`
    /// (what a training forward does first), without a forward.
    func iteratePowerMethod(_ iterations: Int)
}

extension Module {
    /// Sets the power-iteration steps per training forward of every spectrally normalised layer
    /// in this module's tree (BigGAN-PyTorch's `num_G_SV_itrs` / `num_D_SV_itrs`).
    public func setSpectralNormIterations(_ iterations: Int) {
        for case let wrapper as any SpectralNormWrapper in namedModules().map(\.module) {
            wrapper.powerIterations = iterations
        }
    }
}

/// Spectral normalisation (Miyato et al. 2018; SNGAN, SAGAN, BigGAN), as PyTorch's
/// `torch.nn.utils.spectral_norm`: the layer runs with `weight_orig / σ`, where `σ`, the
/// largest singular value of the weight viewed as a `[outputs, rest]` matrix, is estimated by
/// power iteration with persistent vectors `u` and `v`.
///
/// In training, each forward first runs `powerIterations` steps on `u` and `v` (no gradient),
/// then computes `σ = uᵀ W v` differentiably; in evaluation the stored `u` and `v` are used.
/// The wrapper has no name of its own: its children are the layer's, with `weight` renamed,
/// so `Sequential(SpectralNorm(conv))` has PyTorch's `0.bias`, `0.weight_orig`, `0.weight_u`
/// and `0.weight_v`.
///
/// ```swift
/// let conv = SpectralNorm(Conv2d(inputChannels: 3, outputChannels: 64, kernelSize: 3, padding: 1, using: &rng),
///                         using: &rng)
/// let y = conv(x)  // [N, 64, H, W]
/// ```
public final class SpectralNorm<Layer: SpectralNormalizable>: Module, SpectralNormWrapper {
    /// The wrapped layer; its `weight` parameter is `weight_orig`.
    public let layer: Layer
    /// `weight_u` `[outputs]`: the left singular vector estimate.
    public let u: Buffer
    /// `weight_v` `[rest]`: the right singular vector estimate.
    public let v: Buffer
    /// Power-iteration steps per training forward.
    public var powerIterations: Int {
        didSet { precondition(powerIterations >= 0, "SpectralNorm: powerIterations \(powerIterations) must not be negative") }
    }
    /// Floor of the norms when normalising `u` and `v`.
    public let epsilon: Float

    /// Wraps `layer`, drawing `u` and `v` as normalised Gaussian vectors (as PyTorch).
    ///
    /// - Parameters:
    ///   - layer: A layer with a `weight` (Linear, Conv2d, ConvTranspose2d, Embedding).
    ///   - powerIterations: Steps per training forward (PyTorch's default 1).
    ///   - epsilon: Norm floor (PyTorch's 1e-12).
    ///   - generator: Draws the initial vectors.
    public init(_ layer: Layer, powerIterations: Int = 1, epsilon: Float = 1e-12, using generator: inout RandomGenerator) {
        precondition(powerIterations >= 0, "SpectralNorm: powerIterations \(powerIterations) must not be negative")
        self.layer = layer
        self.powerIterations = powerIterations
        self.epsilon = epsilon
        let (rows, columns) = SpectralNorm.matrixShape(layer.weight.shape, outputAxis: layer.outputAxis)
        u = Buffer(SpectralNorm.normalize(Tensor.randomNormal([rows], using: &generator), epsilon: epsilon))
        v = Buffer(SpectralNorm.normalize(Tensor.randomNormal([columns], using: &generator), epsilon: epsilon))
        super.init()
        isTraining = layer.isTraining
    }

    /// The wrapped layer.
    public var wrappedLayer: Module { layer }

    public var normalizedMatrix: Tensor {
        withoutGradients {
            let w = matrix(layer.weight.value)
            return w / SpectralNorm.sigma(w, u.value, v.value)
        }
    }

    static func matrixShape(_ shape: [Int], outputAxis: Int) -> (Int, Int) {
        let rows = shape[outputAxis]
        return (rows, shape.reduce(1, *) / Swift.max(rows, 1))
    }

    static func normalize(_ x: Tensor, epsilon: Float) -> Tensor {
        x / Swift.max(x.l2Norm().item, epsilon)
    }

    /// The weight viewed as `[outputs, rest]`.
    func matrix(_ weight: Tensor) -> Tensor {
        let w = layer.outputAxis == 0
            ? weight
            : weight.permuted([layer.outputAxis] + (0..<weight.rank).filter { $0 != layer.outputAxis })
        return w.reshaped([weight.shape[layer.outputAxis], -1])
    }

    /// The current estimate of the largest singular value, `uᵀ W v` (no iteration).
    public var sigma: Float {
        withoutGradients { SpectralNorm.sigma(matrix(layer.weight.value), u.value, v.value).item }
    }

    static func sigma(_ w: Tensor, _ u: Tensor, _ v: Tensor) -> Tensor {
        (w.matmul(v.reshaped([-1, 1])).reshaped([-1]) * u).sum()
    }

    /// `weight_orig / σ`, differentiable with respect to `weight_orig`. In training this first
    /// runs the power iterations, updating `u` and `v`.
    public func normalizedWeight() -> Tensor {
        let weight = layer.weight.value
        let w = matrix(weight)
        if isTraining && powerIterations > 0 { iterate(w, powerIterations) }
        return weight / SpectralNorm.sigma(w, u.value, v.value)
    }

    public func iteratePowerMethod(_ iterations: Int) {
        iterate(matrix(layer.weight.value), iterations)
    }

    private func iterate(_ w: Tensor, _ iterations: Int) {
        withoutGradients {
            let constant = w.detach()
            var uu = u.value, vv = v.value
            for _ in 0..<iterations {
                vv = SpectralNorm.normalize(uu.reshaped([1, -1]).matmul(constant).reshaped([-1]), epsilon: epsilon)
                uu = SpectralNorm.normalize(constant.matmul(vv.reshaped([-1, 1])).reshaped([-1]), epsilon: epsilon)
            }
            u.value = uu
            v.value = vv
        }
    }

    override func setTrainingMode(_ mode: Bool) {
        super.setTrainingMode(mode)
        layer.train(mode)
    }

    override public func visitChildren(_ visitor: ModuleVisitor) {
        let renaming = RenamingVisitor(target: visitor, weight: layer.weight)
        layer.visitChildren(renaming)
        visitor.parameter("weight_orig", layer.weight)
        visitor.buffer("weight_u", u)
        visitor.buffer("weight_v", v)
    }

    override public func structuralCopy() -> Module {
        var g = RandomGenerator(seed: 0)
        return SpectralNorm(layer.copy(), powerIterations: powerIterations, epsilon: epsilon, using: &g)
    }
}

/// Passes a layer's children on, holding back its `weight` (listed as `weight_orig`).
private final class RenamingVisitor: ModuleVisitor {
    let target: ModuleVisitor
    let weight: Parameter

    init(target: ModuleVisitor, weight: Parameter) {
        self.target = target
        self.weight = weight
    }

    func parameter(_ name: String, _ parameter: Parameter) {
        if parameter !== weight { target.parameter(name, parameter) }
    }
    func buffer(_ name: String, _ buffer: Buffer) { target.buffer(name, buffer) }
    func module(_ name: String, _ module: Module) { target.module(name, module) }
}

extension SpectralNorm: UnaryLayer where Layer: WeightedLayer {
    /// The layer's forward with the normalised weight (shapes as the layer's).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        layer(input, weight: normalizedWeight())
    }
}

extension SpectralNorm where Layer == Embedding {
    /// The normalised embedding's rows at `indices`: `[indices.count, dimension]`.
    public func callAsFunction(_ indices: [Int]) -> Tensor {
        layer(indices, weight: normalizedWeight())
    }
}
