import Dispatch
import GANTensor

/// One batch: the samples as floats and, when the data set has them, their labels.
public struct Batch: @unchecked Sendable {
    /// `[batchSize] + sampleShape`; images in [−1, 1].
    public let samples: Tensor
    /// The label of each sample, or `nil` for an unlabelled data set.
    public let labels: [Int]?
    /// The positions of the samples in the data set.
    public let indices: [Int]
    /// The epoch this batch belongs to (from 0).
    public let epoch: Int
    /// Its position within the epoch (from 0).
    public let index: Int

    /// A batch made by hand (benchmarks, tests); a `Batcher` makes the ones training uses.
    public init(samples: Tensor, labels: [Int]?, indices: [Int], epoch: Int, index: Int) {
        self.samples = samples
        self.labels = labels
        self.indices = indices
        self.epoch = epoch
        self.index = index
    }
}

/// Where a `Batcher` is: saved in a checkpoint, it makes a resumed run draw the same batches.
public struct BatcherState: Codable, Equatable, Sendable {
    /// The current epoch (from 0).
    public var epoch: Int
    /// Batches already taken in this epoch.
    public var batch: Int
    /// The generator as it was at the start of this epoch; the epoch's order and flips are
    /// drawn from it, and what it is after those draws starts the next epoch.
    public var generator: RandomGenerator
    /// The size of the data set and of a batch when the state was saved: a state only
    /// continues a run exactly on the same data in the same batches, so `restore` checks them.
    public var sampleCount: Int
    /// See `sampleCount`.
    public var batchSize: Int
}

/// Deals out a data set in batches: a seeded shuffle per epoch, drop-last, horizontal flips,
/// labels alongside, and the next batch prepared on a background thread while a step runs.
///
/// The batches depend only on the seed (and the data set and options), never on timing:
/// prefetching only decides when a batch is assembled, not which. Use a batcher from one
/// thread at a time.
///
/// ```swift
/// let batcher = try Batcher(dataset: fashion, batchSize: 64, seed: 1)
/// let batch = batcher.next()        // samples [64, 1, 28, 28], labels [Int]
/// let saved = batcher.state         // Codable: store it with the checkpoint
/// try batcher.restore(saved)        // ... and the same batches follow again
/// ```
public final class Batcher: @unchecked Sendable {
    /// The data set dealt out.
    public let dataset: Dataset
    /// Samples per batch (the last batch of an epoch may be smaller without `dropLast`).
    public let batchSize: Int
    /// Whether each epoch visits the samples in a fresh random order.
    public let shuffle: Bool
    /// Whether an incomplete last batch is skipped.
    public let dropLast: Bool
    /// Whether each image is mirrored left to right with probability ½.
    public let horizontalFlip: Bool
    /// Whether the next batch is assembled on a background thread.
    public let prefetch: Bool

    /// The batches in each epoch.
    public let batchesPerEpoch: Int

    private var current: BatcherState
    private var plan: EpochPlan
    private var pending: PendingBatch?
    private let queue = DispatchQueue(label: "GANData.Batcher.prefetch", qos: .userInitiated)

    /// A batcher over `dataset`, seeded with `seed`.
    ///
    /// - Throws: `.invalidArgument` when `batchSize` is not positive or, with `dropLast`,
    ///   larger than the data set (no batch would ever come out).
    public init(
        dataset: Dataset, batchSize: Int, seed: UInt64, shuffle: Bool = true, dropLast: Bool = true,
        horizontalFlip: Bool = false, prefetch: Bool = true
    ) throws {
        guard batchSize > 0 else {
            throw DataError(.invalidArgument, path: dataset.name, "batch size must be positive, got \(batchSize)")
        }
        guard dataset.count > 0, !dropLast || dataset.count >= batchSize else {
            throw DataError(.invalidArgument, path: dataset.name,
                            "expected at least one full batch of \(batchSize) samples, the data set has \(dataset.count)")
        }
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.horizontalFlip = horizontalFlip && dataset.isImage
        self.prefetch = prefetch
        self.batchesPerEpoch = dropLast ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
        current = BatcherState(epoch: 0, batch: 0, generator: RandomGenerator(seed: seed),
                               sampleCount: dataset.count, batchSize: batchSize)
        plan = EpochPlan(dataset.count, shuffle: shuffle, flips: self.horizontalFlip, generator: current.generator)
    }

    /// The position and generator: save it with a checkpoint, `restore` it to continue.
    public var state: BatcherState { current }

    /// Continues from a saved state: the batches that follow are those that followed it.
    ///
    /// - Throws: `.invalidArgument` when the state was saved for another data set size or
    ///   batch size, or is out of range — resuming would silently deal different batches.
    public func restore(_ saved: BatcherState) throws {
        guard saved.sampleCount == dataset.count, saved.batchSize == batchSize else {
            throw DataError(.invalidArgument, path: dataset.name, """
                the saved batcher state is for \(saved.sampleCount) samples in batches of \(saved.batchSize); \
                expected \(dataset.count) samples in batches of \(batchSize) (same data and batch size to resume)
                """)
        }
        guard saved.epoch >= 0, saved.batch >= 0, saved.batch < batchesPerEpoch else {
            throw DataError(.invalidArgument, path: dataset.name,
                            "the saved batcher state is at epoch \(saved.epoch), batch \(saved.batch); expected a batch in 0..<\(batchesPerEpoch)")
        }
        current = saved
        plan = EpochPlan(dataset.count, shuffle: shuffle, flips: horizontalFlip, generator: saved.generator)
        pending = nil  // a batch in preparation for the old position is simply not used
    }

    /// The next batch, moving on to a new epoch (and a new order) after the last one.
    public func next() -> Batch {
        let job = makeJob(current)
        let batch: Batch
        if let pending, pending.job.epoch == job.epoch, pending.job.index == job.index {
            batch = pending.wait()
        } else {
            batch = job.assemble(dataset)
        }
        pending = nil
        advance()
        if prefetch {
            let nextJob = makeJob(current)
            let slot = PendingBatch(job: nextJob)
            let data = dataset
            queue.async { slot.fulfil(nextJob.assemble(data)) }
            pending = slot
        }
        return batch
    }

    /// The batches of the rest of the current epoch, in order.
    public func restOfEpoch() -> [Batch] {
        let epoch = current.epoch
        var batches: [Batch] = []
        while current.epoch == epoch { batches.append(next()) }
        return batches
    }

    // MARK: Plan

    private func advance() {
        current.batch += 1
        guard current.batch == batchesPerEpoch else { return }
        current = BatcherState(epoch: current.epoch + 1, batch: 0, generator: plan.following,
                               sampleCount: dataset.count, batchSize: batchSize)
        plan = EpochPlan(dataset.count, shuffle: shuffle, flips: horizontalFlip, generator: plan.following)
    }

    private func makeJob(_ position: BatcherState) -> BatchJob {
        let start = position.batch * batchSize
        let end = Swift.min(start + batchSize, dataset.count)
        return BatchJob(epoch: position.epoch, index: position.batch, indices: Array(plan.order[start..<end]),
                        flips: plan.flips.map { Array($0[start..<end]) })
    }
}

/// The order and flips of one epoch, drawn from the generator the epoch starts with.
private struct EpochPlan {
    let order: [Int]
    let flips: [Bool]?
    /// The generator after this epoch's draws: the next epoch starts from it.
    let following: RandomGenerator

    init(_ count: Int, shuffle: Bool, flips drawFlips: Bool, generator start: RandomGenerator) {
        var generator = start
        var order = Array(0..<count)
        if shuffle {
            // Fisher–Yates with a multiply-shift bound: the same on every platform and Swift version.
            var i = count - 1
            while i > 0 {
                let j = Int(generator.next().multipliedFullWidth(by: UInt64(i + 1)).high)
                order.swapAt(i, j)
                i -= 1
            }
        }
        if drawFlips {
            var flips = [Bool](repeating: false, count: count)
            var word: UInt64 = 0
            for i in 0..<count {
                if i % 64 == 0 { word = generator.next() }
                flips[i] = (word >> UInt64(i % 64)) & 1 == 1
            }
            self.flips = flips
        } else {
            self.flips = nil
        }
        self.order = order
        self.following = generator
    }
}

/// What one batch is made of; assembling it touches only the (immutable) data set.
private struct BatchJob: @unchecked Sendable {
    let epoch: Int
    let index: Int
    let indices: [Int]
    let flips: [Bool]?

    func assemble(_ dataset: Dataset) -> Batch {
        Batch(samples: dataset.samples(at: indices, flips: flips),
              labels: dataset.labels.map { labels in indices.map { labels[$0] } },
              indices: indices, epoch: epoch, index: index)
    }
}

/// A batch being assembled on the prefetch queue.
private final class PendingBatch: @unchecked Sendable {
    let job: BatchJob
    private let ready = DispatchSemaphore(value: 0)
    private var batch: Batch?

    init(job: BatchJob) { self.job = job }

    func fulfil(_ value: Batch) {
        batch = value
        ready.signal()
    }

    func wait() -> Batch {
        ready.wait()
        return batch!
    }
}
