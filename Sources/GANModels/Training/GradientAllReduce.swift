import GANLayers
import GANTensor

/// Averages gradients across processes before an optimiser step, stylegan2-ada's way: every
/// gradient of one `StepContext.apply` packed into one flat buffer, summed with one all-reduce,
/// divided by the number of processes and unpacked. Each process's loss is the mean over its
/// slice, so the average is the gradient of the mean over the global batch.
public final class GradientAllReduce {
    public let communicator: Communicator
    /// All-reduces done and their bytes (for the report of a run's communication).
    public private(set) var calls = 0
    public private(set) var bytes = 0

    public init(communicator: Communicator) {
        self.communicator = communicator
    }

    /// The hook for `StepContext.gradientHook`.
    public var hook: (_ optimizer: Optimizer, _ gradients: [Tensor]) -> [Tensor] {
        { [self] _, gradients in averaged(gradients) }
    }

    /// `gradients` averaged element-wise over all processes (same shapes, same order).
    public func averaged(_ gradients: [Tensor]) -> [Tensor] {
        guard communicator.size > 1, !gradients.isEmpty else { return gradients }
        var flat = FlatGradients.pack(gradients)
        flat.withUnsafeMutableBufferPointer { communicator.sum($0) }
        calls += 1
        bytes += flat.count * MemoryLayout<Float>.size
        return FlatGradients.unpack(Tensor(flat, shape: [flat.count]) / Float(communicator.size),
                                    shapes: gradients.map(\.shape))
    }
}

/// Gradients as one flat buffer and back: the tensors' elements one after the other, in order.
public enum FlatGradients {
    /// Every element of `tensors`, in order (`[a₀…, b₀…, …]`).
    public static func pack(_ tensors: [Tensor]) -> [Float] {
        guard !tensors.isEmpty else { return [] }
        return Tensor.concatenate(tensors.map { $0.detach().reshaped([$0.count]) }, axis: 0).scalars
    }

    /// Tensors of `shapes` cut from `flat` `[Σ counts]`, in order.
    public static func unpack(_ flat: Tensor, shapes: [[Int]]) -> [Tensor] {
        let counts = shapes.map { $0.reduce(1, *) }
        precondition(flat.shape == [counts.reduce(0, +)], "FlatGradients: \(flat.shape) does not hold \(counts.reduce(0, +)) values")
        var offset = 0
        return zip(shapes, counts).map { shape, count in
            defer { offset += count }
            return flat.slice(axis: 0, start: offset, end: offset + count).reshaped(shape)
        }
    }
}
