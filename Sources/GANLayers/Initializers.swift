import Foundation
import GANTensor

/// Weight initialisers with PyTorch's formulas (`torch.nn.init`), each drawing from an
/// explicit seeded generator. The distributions match PyTorch's; the values do not (another
/// generator), so parity tests load PyTorch's weights instead.
///
/// Fans follow PyTorch: for a weight of shape `[a, b, k…]`, `fanIn = b·∏k` and
/// `fanOut = a·∏k` (so a transposed convolution's `[in, out, kh, kw]` weight has
/// `fanIn = out·kh·kw`, as in PyTorch).
public enum Initializer {
    /// The non-linearity a layer feeds, for `gain(for:)`.
    public enum Nonlinearity: Equatable, Sendable {
        case linear, sigmoid, tanh, relu, selu
        case leakyRelu(negativeSlope: Float)
    }

    /// Which fan a Kaiming initialiser preserves the variance of.
    public enum FanMode: Sendable {
        /// The forward pass (PyTorch's default).
        case fanIn
        /// The backward pass.
        case fanOut
    }

    /// `(fanIn, fanOut)` of a weight of rank ≥ 2, as PyTorch's `_calculate_fan_in_and_fan_out`.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 2, "Initializer.fans: a weight needs at least 2 dimensions, got \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// The recommended gain for `nonlinearity`, as `torch.nn.init.calculate_gain`.
    public static func gain(for nonlinearity: Nonlinearity) -> Float {
        switch nonlinearity {
        case .linear, .sigmoid: return 1
        case .tanh: return 5.0 / 3
        case .relu: return Float(2).squareRoot()
        case .selu: return 0.75
        case .leakyRelu(let slope): return (2 / (1 + slope * slope)).squareRoot()
        }
    }

    /// Normal values, as `nn.init.normal_` (DCGAN: `standardDeviation: 0.02`).
    public static func normal(
        _ shape: [Int], mean: Float = 0, standardDeviation: Float = 1, using generator: inout RandomGenerator
    ) -> Tensor {
        Tensor.randomNormal(shape, mean: mean, standardDeviation: standardDeviation, using: &generator)
    }

    /// Uniform values in `[lower, upper)`, as `nn.init.uniform_`.
    public static func uniform(
        _ shape: [Int], lower: Float = 0, upper: Float = 1, using generator: inout RandomGenerator
    ) -> Tensor {
        Tensor.randomUniform(shape, lower: lower, upper: upper, using: &generator)
    }

    /// `U(-b, b)` with `b = gain·√(6 / (fanIn + fanOut))`, as `nn.init.xavier_uniform_`.
    public static func xavierUniform(_ shape: [Int], gain: Float = 1, using generator: inout RandomGenerator) -> Tensor {
        let (fanIn, fanOut) = fans(shape)
        let bound = gain * (6 / Float(fanIn + fanOut)).squareRoot()
        return uniform(shape, lower: -bound, upper: bound, using: &generator)
    }

    /// `N(0, σ²)` with `σ = gain·√(2 / (fanIn + fanOut))`, as `nn.init.xavier_normal_`.
    public static func xavierNormal(_ shape: [Int], gain: Float = 1, using generator: inout RandomGenerator) -> Tensor {
        let (fanIn, fanOut) = fans(shape)
        return normal(shape, standardDeviation: gain * (2 / Float(fanIn + fanOut)).squareRoot(), using: &generator)
    }

    /// `U(-b, b)` with `b = gain·√(3 / fan)`, as `nn.init.kaiming_uniform_` (defaults: fan-in,
    /// leaky ReLU with slope 0, so `gain = √2`).
    public static func kaimingUniform(
        _ shape: [Int], mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu(negativeSlope: 0),
        using generator: inout RandomGenerator
    ) -> Tensor {
        let bound = (3 as Float).squareRoot() * kaimingStandardDeviation(shape, mode: mode, nonlinearity: nonlinearity)
        return uniform(shape, lower: -bound, upper: bound, using: &generator)
    }

    /// `N(0, σ²)` with `σ = gain / √fan`, as `nn.init.kaiming_normal_`.
    public static func kaimingNormal(
        _ shape: [Int], mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyRelu(negativeSlope: 0),
        using generator: inout RandomGenerator
    ) -> Tensor {
        normal(shape, standardDeviation: kaimingStandardDeviation(shape, mode: mode, nonlinearity: nonlinearity),
               using: &generator)
    }

    static func kaimingStandardDeviation(_ shape: [Int], mode: FanMode, nonlinearity: Nonlinearity) -> Float {
        let (fanIn, fanOut) = fans(shape)
        let fan = mode == .fanIn ? fanIn : fanOut
        precondition(fan > 0, "Initializer.kaiming: weight of shape \(shape) has a zero fan")
        return gain(for: nonlinearity) / Float(fan).squareRoot()
    }

    /// A (semi-)orthogonal matrix scaled by `gain`, as `nn.init.orthogonal_` (BigGAN): the
    /// weight viewed as `[shape[0], rest]` has orthonormal rows (or columns, if fewer).
    public static func orthogonal(_ shape: [Int], gain: Float = 1, using generator: inout RandomGenerator) -> Tensor {
        precondition(shape.count >= 2, "Initializer.orthogonal: needs at least 2 dimensions, got \(shape)")
        let rows = shape[0], cols = shape.dropFirst().reduce(1, *)
        // QR of a tall Gaussian matrix with R's diagonal made positive = Gram–Schmidt on its columns.
        let (m, n) = rows >= cols ? (rows, cols) : (cols, rows)
        let a = normal([m, n], using: &generator).scalars.map(Double.init)
        var q = [Double](repeating: 0, count: m * n)  // column-major: column j at j*m
        for j in 0..<n {
            var v = (0..<m).map { a[$0 * n + j] }
            for _ in 0..<2 {  // re-orthogonalise once: "twice is enough"
                for k in 0..<j {
                    var dot = 0.0
                    for i in 0..<m { dot += q[k * m + i] * v[i] }
                    for i in 0..<m { v[i] -= dot * q[k * m + i] }
                }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for i in 0..<m { q[j * m + i] = v[i] / Swift.max(norm, 1e-300) }
        }
        // Row-major [rows, cols]: Q itself when tall, Qᵀ when wide.
        var values = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                values[r * cols + c] = gain * Float(rows >= cols ? q[c * m + r] : q[r * m + c])
            }
        }
        return Tensor(values, shape: shape)
    }

    /// PyTorch's default weight for Linear and convolutions: `kaiming_uniform_(a=√5)`, i.e.
    /// `U(-1/√fanIn, 1/√fanIn)`.
    public static func pytorchDefaultWeight(_ shape: [Int], using generator: inout RandomGenerator) -> Tensor {
        kaimingUniform(shape, nonlinearity: .leakyRelu(negativeSlope: Float(5).squareRoot()), using: &generator)
    }

    /// PyTorch's default bias for Linear and convolutions: `U(-1/√fanIn, 1/√fanIn)` with the
    /// weight's fan-in.
    public static func pytorchDefaultBias(_ count: Int, fanIn: Int, using generator: inout RandomGenerator) -> Tensor {
        let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        return uniform([count], lower: -bound, upper: bound, using: &generator)
    }

    /// DCGAN's `weights_init`, applied to every layer below `module`: convolution, transposed
    /// convolution and linear weights `N(0, 0.02)` and biases 0; batch-norm weights
    /// `N(1, 0.02)` and biases 0. Spectrally normalised layers get their `weight_orig` drawn.
    public static func dcgan(_ module: Module, using generator: inout RandomGenerator) {
        func initialize(_ m: Module) {
            switch m {
            case let layer as Conv2d:
                layer.weight.value = normal(layer.weight.shape, standardDeviation: 0.02, using: &generator)
                if let b = layer.bias { b.value = Tensor.zeros(b.shape) }
            case let layer as ConvTranspose2d:
                layer.weight.value = normal(layer.weight.shape, standardDeviation: 0.02, using: &generator)
                if let b = layer.bias { b.value = Tensor.zeros(b.shape) }
            case let layer as Linear:
                layer.weight.value = normal(layer.weight.shape, standardDeviation: 0.02, using: &generator)
                if let b = layer.bias { b.value = Tensor.zeros(b.shape) }
            case let norm as BatchNorm:
                if let w = norm.weight { w.value = normal(w.shape, mean: 1, standardDeviation: 0.02, using: &generator) }
                if let b = norm.bias { b.value = Tensor.zeros(b.shape) }
            case let wrapper as SpectralNormWrapper:
                initialize(wrapper.wrappedLayer)
            default:
                break
            }
        }
        module.forEachModule(initialize)
    }
}
