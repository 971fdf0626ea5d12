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

    public init(kind: Kind, learningRate: Float, beta1: Float, beta2: Float) {
        self.kind = kind
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
    }

    private enum CodingKeys: String, CodingKey { case kind, learningRate, beta1, beta2 }

    /// Decodes and checks the values, so that an edited config.json is refused with the reason
    /// rather than stopping the optimiser's initialiser.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: try c.decode(Kind.self, forKey: .kind), learningRate: try c.decode(Float.self, forKey: .learningRate),
                  beta1: try c.decode(Float.self, forKey: .beta1), beta2: try c.decode(Float.self, forKey: .beta2))
        guard learningRate.isFinite, learningRate >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .learningRate, in: c,
                                                   debugDescription: "expected a learning rate ≥ 0, found \(learningRate)")
        }
        for (key, beta) in [(CodingKeys.beta1, beta1), (.beta2, beta2)] where kind == .adam && !(beta >= 0 && beta < 1) {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "expected Adam's β in [0, 1), found \(beta)")
        }
    }

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
