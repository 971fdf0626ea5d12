import Testing
@testable import GANTensor
import GANTestSupport

/// Synchronised BatchNorm (`batchNormalized(synchronizedBy:)`): two ranks holding half a batch
/// each compute what one process computes on the whole batch, forward, in the fused backward,
/// in the recorded backward and through a second-order penalty. Ranks are threads
/// (`ThreadCommunicator`), so no MPI is needed.
@Suite struct SynchronizedBatchNormTests {
    static let shape = [8, 3, 4, 5]

    struct Inputs {
        let x: Tensor, weight: Tensor, bias: Tensor, direction: Tensor

        init(seed: UInt64) {
            var rng = RandomGenerator(seed: seed)
            x = Tensor.randomNormal(SynchronizedBatchNormTests.shape, using: &rng) * 2 + 0.5
            weight = Tensor.randomNormal([3], using: &rng) + 1
            bias = Tensor.randomNormal([3], using: &rng)
            direction = Tensor.randomNormal(SynchronizedBatchNormTests.shape, using: &rng)
        }

        /// Rows `rank·4 ..< rank·4 + 4` of the batch, or all of it.
        func rows(_ t: Tensor, rank: Int?) -> Tensor {
            rank.map { t.slice(axis: 0, start: $0 * 4, end: $0 * 4 + 4) } ?? t
        }
    }

    /// Output, dL/dx, dL/dweight, dL/dbias for L = Σ y·direction over `rank`'s rows (all rows
    /// when `rank` is nil), the backward fused or recorded.
    func normalize(_ inputs: Inputs, rank: Int?, communicator: Communicator?, recorded: Bool) -> [Tensor] {
        let x = inputs.rows(inputs.x, rank: rank).requiringGradient()
        let w = inputs.weight.requiringGradient(), b = inputs.bias.requiringGradient()
        let (y, mean, variance) = x.batchNormalized(weight: w, bias: b, synchronizedBy: communicator)
        let loss = (y * inputs.rows(inputs.direction, rank: rank)).sum()
        let grads = gradients(of: loss, wrt: [x, w, b], createGraph: recorded)
        return [y.detach(), mean, variance] + grads.map { $0.detach() }
    }

    @Test(arguments: [false, true]) func twoRanksComputeTheWholeBatch(recorded: Bool) throws {
        let inputs = Inputs(seed: 11)
        let whole = normalize(inputs, rank: nil, communicator: nil, recorded: recorded)
        let ranks = try ThreadCommunicator.run(ranks: 2) { communicator in
            normalize(inputs, rank: communicator.rank, communicator: communicator, recorded: recorded)
        }
        // Outputs and input gradients: each rank's rows of the whole batch's.
        for (index, name) in [(0, "output"), (3, "dx")] {
            let joined = Tensor.concatenate([ranks[0][index], ranks[1][index]], axis: 0)
            #expect(relativeError(joined, whole[index]) < 1e-5, "\(name)")
        }
        // Statistics: the whole batch's on every rank.
        for rank in ranks {
            #expect(relativeError(rank[1], whole[1]) < 1e-6 && relativeError(rank[2], whole[2]) < 1e-6)
        }
        // Weight and bias gradients: each rank's part; the gradient all-reduce adds them.
        for index in [4, 5] {
            #expect(relativeError(ranks[0][index] + ranks[1][index], whole[index]) < 1e-5)
            #expect(relativeError(ranks[0][index], whole[index]) > 1e-2, "a rank's part alone is not the whole")
        }
    }

    /// Unsynchronised, the ranks' statistics are their own halves' (the control: the
    /// comparison above can fail).
    @Test func withoutTheCommunicatorRanksNormaliseTheirOwnRows() throws {
        let inputs = Inputs(seed: 11)
        let whole = normalize(inputs, rank: nil, communicator: nil, recorded: false)
        let ranks = try ThreadCommunicator.run(ranks: 2) { communicator in
            normalize(inputs, rank: communicator.rank, communicator: nil, recorded: false)
        }
        #expect(relativeError(Tensor.concatenate([ranks[0][0], ranks[1][0]], axis: 0), whole[0]) > 1e-2)
    }

    /// A penalty on the input gradient (WGAN-GP or R1 through BatchNorm) differentiated again:
    /// the recorded backward's sums across ranks have their own backward.
    @Test func secondOrderThroughSynchronisedStatistics() throws {
        let inputs = Inputs(seed: 12)
        func penaltyGradient(rank: Int?, communicator: Communicator?) -> Tensor {
            let x = inputs.rows(inputs.x, rank: rank).requiringGradient()
            let w = inputs.weight.requiringGradient(), b = inputs.bias.requiringGradient()
            let y = x.batchNormalized(weight: w, bias: b, synchronizedBy: communicator).output
            let loss = (y.square() * inputs.rows(inputs.direction, rank: rank)).sum()
            let dx = gradients(of: loss, wrt: [x], createGraph: true)[0]
            return gradients(of: dx.square().sum(), wrt: [w])[0]
        }
        let whole = penaltyGradient(rank: nil, communicator: nil)
        let ranks = try ThreadCommunicator.run(ranks: 2) { penaltyGradient(rank: $0.rank, communicator: $0) }
        #expect(relativeError(ranks[0] + ranks[1], whole) < 1e-4)
    }

    @Test func summedAcrossIsDifferentiable() throws {
        let ranks = try ThreadCommunicator.run(ranks: 3) { communicator -> [Float] in
            let x = Tensor([Float(communicator.rank + 1), 10], shape: [2]).requiringGradient()
            let total = x.summed(across: communicator)
            let g = gradients(of: (total * Tensor([1, 2], shape: [2])).sum(), wrt: [x])[0]
            return total.scalars + g.scalars
        }
        // Σ = [6, 30]; each rank's loss depends on every rank's x, so dx = 3 × [1, 2].
        for values in ranks { #expect(values == [6, 30, 3, 6]) }
    }
}
