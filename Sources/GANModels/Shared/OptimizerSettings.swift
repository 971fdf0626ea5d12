import GANLayers
import GANTensor

/// An optimiser and its hyper-parameters, as a config stores them.
public struct OptimizerSettings: Codable, Equatable, Sendable {
    /// Which optimiser.
    public enum Kind: String, Codable, Sendable { case adam, rmsprop }
    public var kind: Kind
    public var learningRate: Float
    /// Adam's β₁ and β₂ (ignored by RMSprop).
    public var beta1: Float
    public var beta2: Float

    /// Adam with the given rate and betas.
    public static func adam(_ learningRate: Float, _ beta1: Float, _ beta2: Float) -> OptimizerSettings {
        OptimizerSettings(kind: .adam, learningRate: learningRate, beta1: beta1, beta2: beta2)
    }

    /// RMSprop with the given rate (PyTorch's α = 0.99).
    public static func rmsprop(_ learningRate: Float) -> OptimizerSettings {
        OptimizerSettings(kind: .rmsprop, learningRate: learningRate, beta1: 0, beta2: 0)
    }

    /// The optimiser over `parameters`.
    public func make(_ parameters: [Parameter]) -> Optimizer {
        switch kind {
        case .adam: return Adam(parameters: parameters, learningRate: learningRate, betas: (beta1, beta2))
        case .rmsprop: return RMSprop(parameters: parameters, learningRate: learningRate)
        }
    }

    public var summary: String {
        kind == .adam ? "Adam(lr \(learningRate), β \(beta1), \(beta2))" : "RMSprop(lr \(learningRate))"
    }
}
