/// The processes of a data-parallel run, as far as the engine needs them: element-wise sums
/// across every process (gradients before an optimiser step, synchronised BatchNorm's
/// statistics).
///
/// Every process must make the same calls in the same order with buffers of the same length;
/// a call returns when all have contributed. An implementation that cannot finish a call (a
/// process died or hangs) stops the whole job with a message; it never returns a partial sum.
public protocol Communicator: AnyObject {
    /// This process's index, 0 ..< `size`.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Replaces `values` with their element-wise sum over all processes.
    func sum(_ values: UnsafeMutableBufferPointer<Float>)
    /// Replaces `values` with their element-wise sum over all processes.
    func sum(_ values: UnsafeMutableBufferPointer<Double>)
}

extension Communicator {
    /// `values` summed element-wise over all processes.
    public func summed(_ values: [Double]) -> [Double] {
        var result = values
        result.withUnsafeMutableBufferPointer { sum($0) }
        return result
    }

    /// `values` summed element-wise over all processes.
    public func summed(_ values: [Float]) -> [Float] {
        var result = values
        result.withUnsafeMutableBufferPointer { sum($0) }
        return result
    }
}

extension Tensor {
    /// This tensor summed element-wise over `communicator`'s processes (every process gets
    /// the same result).
    ///
    /// Differentiable: each process's result depends on every process's input, so the gradient
    /// is the incoming gradient summed the same way (the gradient of the sum of all processes'
    /// losses). Every process must run the backward pass through it too.
    public func summed(across communicator: Communicator) -> Tensor {
        let total = Tensor(communicator.summed(scalars), shape: shape)
        return Tensor.record("summedAcrossProcesses", shape: shape, storage: total.storage, inputs: [self]) { ctx in
            [ctx.gradient.summed(across: communicator)]
        }
    }
}
