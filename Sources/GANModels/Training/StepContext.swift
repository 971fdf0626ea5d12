import Dispatch
import GANData
import GANLayers
import GANTensor

/// What a training step receives from the trainer: where it is, the data, the run's saved RNG
/// and the one path every gradient takes to its optimiser.
///
/// Every random draw inside a step (latents, penalty coefficients, noise, pool replacement)
/// comes from `rng`, which the checkpoint saves; a module that kept an RNG of its own would
/// make resume inexact.
public final class StepContext {
    /// Steps done before this one.
    public let step: Int
    /// Steps the run trains for in all.
    public let totalSteps: Int
    /// Whether this step is logged: measure what costs extra (gradient norms, D outputs).
    public let measure: Bool
    /// The trainer's RNG, saved in every checkpoint.
    public var rng: RandomGenerator
    /// Called with each gradient list on its way to an optimiser (e.g. an all-reduce across
    /// processes); returns the gradients to apply.
    public var gradientHook: ((_ optimizer: Optimizer, _ gradients: [Tensor]) -> [Tensor])?
    /// Seconds spent per named phase of the step (`time(_:_:)`), for profiling.
    public private(set) var phaseSeconds: [String: Double] = [:]
    private let source: BatchSource

    public init(step: Int, totalSteps: Int, measure: Bool, rng: RandomGenerator, source: BatchSource) {
        self.step = step
        self.totalSteps = totalSteps
        self.measure = measure
        self.rng = rng
        self.source = source
    }

    /// The next real batch of `domain` (0: the data, or domain A; 1: domain B).
    public func nextBatch(domain: Int = 0) -> Batch {
        source.next(domain: domain)
    }

    /// Applies `gradients` (one per parameter of `optimizer`) through the gradient hook.
    public func apply(_ gradients: [Tensor], to optimizer: Optimizer) {
        optimizer.step(gradients: gradientHook.map { $0(optimizer, gradients) } ?? gradients)
    }

    /// Applies gradients to some of `optimizer`'s parameters, one entry per parameter: `nil`
    /// leaves that parameter and its optimiser state (moments, step count) as they are, as
    /// PyTorch skips a parameter whose `grad` is `None` (a progressive GAN's blocks not yet in
    /// use). The gradient hook sees the present gradients, in the optimiser's order.
    public func apply(_ gradients: [Tensor?], to optimizer: Optimizer) {
        guard let gradientHook else { return optimizer.step(gradients: gradients) }
        var hooked = gradientHook(optimizer, gradients.compactMap { $0 }).makeIterator()
        optimizer.step(gradients: gradients.map { $0 == nil ? nil : hooked.next() })
    }

    /// Runs `body`, adding its wall time to `phaseSeconds[name]`.
    public func time<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { phaseSeconds[name, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try body()
    }

    /// `loss.item`, or `ModelError.nonFinite` naming `what` when it is NaN or infinite.
    public func finiteValue(of loss: Tensor, _ what: String) throws -> Float {
        let value = loss.item
        guard value.isFinite else { throw ModelError.nonFinite("\(what) is \(value)") }
        return value
    }
}
