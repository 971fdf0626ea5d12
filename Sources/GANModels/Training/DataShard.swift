import GANData
import GANTensor

/// This process's part of a data-parallel run: slice `rank` of `count` equal slices of every
/// global batch (rows `rank·B/count ..< (rank+1)·B/count`), as stylegan2-ada and PyTorch's
/// `DistributedSampler` split a batch. One process is `.whole`.
public struct DataShard: Equatable, Sendable, CustomStringConvertible {
    /// This process's slice, 0 ..< `count`.
    public let rank: Int
    /// The number of processes.
    public let count: Int

    /// One process: every row.
    public static let whole = DataShard(rank: 0, count: 1)

    public init(rank: Int, count: Int) {
        precondition(count > 0 && rank >= 0 && rank < count, "DataShard: rank \(rank) of \(count)")
        self.rank = rank
        self.count = count
    }

    /// Whether this process writes the run's files (logs, grids, TensorBoard, checkpoints).
    public var isPrimary: Bool { rank == 0 }

    public var description: String { "rank \(rank) of \(count)" }

    /// Checks that a global batch of `batchSize` splits evenly.
    public func check(batchSize: Int) throws {
        guard batchSize % count == 0, batchSize >= count else {
            throw ModelError.invalidOption("--batch-size \(batchSize) is the global batch, dealt out in equal slices to "
                + "\(count) ranks: it must be a multiple of \(count) (e.g. \(Swift.max(1, batchSize / count) * count))")
        }
    }

    /// This process's rows of a global batch of `total` rows.
    public func rows(ofGlobal total: Int) -> Range<Int> {
        precondition(total % count == 0, "DataShard: \(total) rows do not split into \(count) equal slices")
        let size = total / count
        return rank * size ..< (rank + 1) * size
    }

    /// This process's rows (axis 0) of `global`.
    public func slice(_ global: Tensor) -> Tensor {
        guard count > 1 else { return global }
        let rows = rows(ofGlobal: global.shape[0])
        return global.slice(axis: 0, start: rows.lowerBound, end: rows.upperBound)
    }

    /// This process's entries of `global`, one per row.
    public func slice<Element>(_ global: [Element]) -> [Element] {
        guard count > 1 else { return global }
        return Array(global[rows(ofGlobal: global.count)])
    }

    /// This process's part of a global batch.
    public func slice(_ batch: Batch) -> Batch {
        guard count > 1 else { return batch }
        return Batch(samples: slice(batch.samples), labels: batch.labels.map { slice($0) }, indices: slice(batch.indices),
                     epoch: batch.epoch, index: batch.index)
    }
}

/// Deals every domain's global batch from the shared seed, as one process would, and keeps
/// this process's slice: all processes hold the same batcher states, so any of them could
/// write the checkpoint and a resume deals the same batches.
public final class ShardedBatches: BatchSource {
    public let global: BatchSource
    public let shard: DataShard

    public init(_ global: BatchSource, shard: DataShard) {
        self.global = global
        self.shard = shard
    }

    public var domainCount: Int { global.domainCount }
    public func next(domain: Int) -> Batch { shard.slice(global.next(domain: domain)) }
    public var epoch: Int { global.epoch }
    public var states: [BatcherState] { global.states }
    public func restore(_ states: [BatcherState]) throws { try global.restore(states) }
}
