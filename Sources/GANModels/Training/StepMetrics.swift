import GANTensor

/// What one training step measured, as named values: `metrics.jsonl` and `gan report` chart
/// any of them.
public struct StepMetrics {
    /// One value: its key in metrics.jsonl (`loss_d`) and its label in the log line (`D`).
    public struct Value {
        public let key: String
        public let label: String
        public let value: Float
    }

    /// Losses: averaged over the log window.
    public private(set) var losses: [Value] = []
    /// Values measured on logged steps only (D's outputs, gradient norms).
    public private(set) var measurements: [Value] = []
    /// Real samples consumed, for images per second.
    public var realSamples = 0
    /// Asks the trainer to write the sample picture after this step also as
    /// `samples/NAME.png` (a progressive GAN's `phase-14x14` at the end of a growth phase).
    public var pictureName: String?

    public init() {}

    /// Records a loss (logged as `key`, shown as `label`).
    public mutating func loss(_ key: String, _ value: Float, label: String? = nil) {
        losses.append(Value(key: key, label: label ?? key, value: value))
    }

    /// Records a measurement.
    public mutating func measure(_ key: String, _ value: Float, label: String? = nil) {
        measurements.append(Value(key: key, label: label ?? key, value: value))
    }

    /// The loss or measurement called `key`.
    public subscript(key: String) -> Float? {
        (losses + measurements).first { $0.key == key }?.value
    }
}

/// The L2 norm of a list of gradients.
func gradientNorm(_ tensors: [Tensor]) -> Float {
    withoutGradients { tensors.reduce(Float(0)) { $0 + $1.square().sum().item }.squareRoot() }
}
