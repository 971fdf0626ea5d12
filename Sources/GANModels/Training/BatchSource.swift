import GANData

/// Where a training step's real batches come from: one domain, two (CycleGAN, CoGAN), or a
/// source that changes resolution as a model grows. Its state goes into every checkpoint.
public protocol BatchSource: AnyObject {
    /// The domains it serves.
    var domainCount: Int { get }
    /// The next batch of `domain`.
    func next(domain: Int) -> Batch
    /// The epoch of domain 0.
    var epoch: Int { get }
    /// Each domain's position, for the checkpoint.
    var states: [BatcherState] { get }
    /// Continues from saved positions.
    func restore(_ states: [BatcherState]) throws
}

/// One `Batcher` per domain, each shuffled from its own seed.
public final class DomainBatchers: BatchSource {
    public let batchers: [Batcher]

    /// Batchers over `datasets`, domain `k` seeded with `seed + k` (domain 0 with `seed`, as a
    /// one-domain run always was).
    public init(datasets: [Dataset], batchSize: Int, seed: UInt64) throws {
        precondition(!datasets.isEmpty, "DomainBatchers: no data")
        batchers = try datasets.enumerated().map { k, data in
            try Batcher(dataset: data, batchSize: batchSize, seed: seed &+ UInt64(k) &* 1_000_003)
        }
    }

    public var domainCount: Int { batchers.count }
    public func next(domain: Int) -> Batch {
        precondition(domain >= 0 && domain < batchers.count, "DomainBatchers: no domain \(domain) (have \(batchers.count))")
        return batchers[domain].next()
    }
    public var epoch: Int { batchers[0].state.epoch }
    public var states: [BatcherState] { batchers.map(\.state) }

    public func restore(_ states: [BatcherState]) throws {
        guard states.count == batchers.count else {
            throw ModelError.checkpoint("the checkpoint holds \(states.count) batcher states; this run has \(batchers.count) data domains")
        }
        for (batcher, state) in zip(batchers, states) { try batcher.restore(state) }
    }
}
