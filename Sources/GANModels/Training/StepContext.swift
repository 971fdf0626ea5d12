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
///
/// In a data-parallel run (`shard.count` > 1) `nextBatch` gives this process's slice of the
/// global batch, and a step draws what it needs per sample through `perSample` (the global
/// batch's draws, this process's rows): every process then makes the same draws, so the RNG
/// stays identical everywhere and the samples get what one process with the whole batch would
/// give them. A statistic of the batch that a step keeps (StyleGAN's `w_avg`) goes through
/// `averaged`. One process: `perSample` draws `count` rows, `averaged` is the identity.
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
    /// Seconds spent per named phase of the step (`time(_:_:)`), for profiling; the gradient
    /// hook's time is `allreduce`.
    public private(set) var phaseSeconds: [String: Double] = [:]
    /// This process's slice of every global batch.
    public let shard: DataShard
    /// The processes of a data-parallel run; `nil` for one process.
    public let communicator: Communicator?
    private let source: BatchSource

    public init(step: Int, totalSteps: Int, measure: Bool, rng: RandomGenerator, source: BatchSource,
                shard: DataShard = .whole, communicator: Communicator? = nil) {
        self.step = step
        self.totalSteps = totalSteps
        self.measure = measure
        self.rng = rng
        self.source = source
        self.shard = shard
        self.communicator = communicator
    }

    /// The next real batch of `domain` (0: the data, or domain A; 1: domain B).
    public func nextBatch(domain: Int = 0) -> Batch {
        source.next(domain: domain)
    }

    /// Draws for `count` samples (this process's batch): `draw` is called with the global
    /// batch's count (`count` × processes) and the RNG, and this process's rows of its result
    /// are returned.
    ///
    /// ```swift
    /// let z = context.perSample(n) { Tensor.randomNormal([$0, 128], using: &$1) }
    /// ```
    public func perSample(_ count: Int, _ draw: (_ globalCount: Int, _ rng: inout RandomGenerator) -> Tensor) -> Tensor {
        shard.slice(draw(count * shard.count, &rng))
    }

    /// `perSample` for draws of several tensors, each with a row per sample (noise maps).
    public func perSampleList(_ count: Int, _ draw: (_ globalCount: Int, _ rng: inout RandomGenerator) -> [Tensor]) -> [Tensor] {
        draw(count * shard.count, &rng).map { shard.slice($0) }
    }

    /// The samples of the global batch when this process's batch has `count`.
    public func globalCount(_ count: Int) -> Int { count * shard.count }

    /// `statistic` (one process's batch statistic, detached) averaged over the processes.
    public func averaged(_ statistic: Tensor) -> Tensor {
        guard let communicator, communicator.size > 1 else { return statistic }
        return withoutGradients { statistic.detach().summed(across: communicator) / Float(communicator.size) }
    }

    /// The mean of every element of `values` (this process's rows) over the global batch, in
    /// the graph: with several processes its gradient reaches every process's rows (each
    /// process must then run the backward pass through it).
    public func meanOverBatch(_ values: Tensor) -> Tensor {
        guard let communicator, communicator.size > 1 else { return values.mean() }
        return values.sum().summed(across: communicator) / Float(values.count * communicator.size)
    }

    /// Applies `gradients` (one per parameter of `optimizer`) through the gradient hook.
    public func apply(_ gradients: [Tensor], to optimizer: Optimizer) {
        optimizer.step(gradients: hooked(gradients, optimizer))
    }

    private func hooked(_ gradients: [Tensor], _ optimizer: Optimizer) -> [Tensor] {
        guard let gradientHook else { return gradients }
        return time("allreduce") { gradientHook(optimizer, gradients) }
    }

    /// Applies gradients to some of `optimizer`'s parameters, one entry per parameter: `nil`
    /// leaves that parameter and its optimiser state (moments, step count) as they are, as
    /// PyTorch skips a parameter whose `grad` is `None` (a progressive GAN's blocks not yet in
    /// use). The gradient hook sees the present gradients, in the optimiser's order.
    public func apply(_ gradients: [Tensor?], to optimizer: Optimizer) {
        guard gradientHook != nil else { return optimizer.step(gradients: gradients) }
        var present = hooked(gradients.compactMap { $0 }, optimizer).makeIterator()
        optimizer.step(gradients: gradients.map { $0 == nil ? nil : present.next() })
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
